package feature

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// GoodStanding says whether a person is in good standing (e.g. scored good
// or better at the last full refresh). The connections feature
// vouchers_good_standing_share needs it; without one the feature is missing,
// which the model treats as neutral.
type GoodStanding interface {
	InGoodStanding(person string) bool
}

const (
	secondsPerDay   = 86400
	secondsPerMonth = 30.4375 * secondsPerDay // an average month, for "months since" durations
	secondsPerYear  = 365.25 * secondsPerDay
)

var nan = math.NaN()

// DefaultRetention is how long a negative record (a late payment, a
// default, a write-off, a public record, an unpaid bill, rental or order)
// counts by default: five years, as China's credit-reporting rules keep
// them (FCRA §605 allows seven).
const DefaultRetention = 5 * 365 * 24 * time.Hour

// Coverage says what the ledger is known to hold: how far each source's
// data is complete, and how long a negative record counts. The zero value
// (and nil) treats every source as complete up to the as-of time and keeps
// negative records for DefaultRetention.
type Coverage struct {
	// Watermarks maps a source to the time up to which its data is
	// complete (the source said "complete up to T"). A source's facts are
	// judged as of the earlier of the as-of time and its watermark: a
	// payment due after the watermark is not unpaid, and "recent activity"
	// is counted back from the watermark. A source without one is complete
	// up to the as-of time.
	Watermarks map[string]time.Time
	// Retention is how long after it happened a negative record stops
	// counting; 0 means DefaultRetention and a negative value forever.
	Retention time.Duration
	// StaleAfter is how long a source may lag the as-of time before its
	// data is shown as stale; 0 means sesame.DefaultStaleAfter.
	StaleAfter time.Duration
}

func (c *Coverage) retention() time.Duration {
	if c == nil || c.Retention == 0 {
		return DefaultRetention
	}
	return c.Retention
}

// ClockOf is the time the source's facts are judged as of at asOf: the
// earlier of asOf and the source's watermark.
func (c *Coverage) ClockOf(source string, asOf time.Time) time.Time {
	if c != nil {
		if w, ok := c.Watermarks[source]; ok && w.Before(asOf) {
			return w
		}
	}
	return asOf
}

// CheckWindow refuses an outcome window [from, to) that the data does not
// cover: one that ends after a source's watermark, where an outcome could
// not have been observed yet and "nothing happened" would be a guess. A
// source whose data ended at or before the window's start (an old import)
// is passed over only when another source's data covers the whole window:
// when none does (scores as of today on data complete up to today), the
// window holds no observation at all.
func (c *Coverage) CheckWindow(from, to time.Time) error {
	if c == nil {
		return nil
	}
	sources := make([]string, 0, len(c.Watermarks))
	covered := false
	for src, w := range c.Watermarks {
		sources = append(sources, src)
		covered = covered || !to.After(w)
	}
	sort.Strings(sources)
	for _, src := range sources {
		if w := c.Watermarks[src]; to.After(w) && (w.After(from) || !covered) {
			return fmt.Errorf("the outcome window %s to %s ends after source %q's data (complete up to %s): move the as-of time back to %s or earlier, or wait for the data",
				from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly), src, w.UTC().Format(time.RFC3339), w.Add(-to.Sub(from)).UTC().Format(time.DateOnly))
		}
	}
	return nil
}

// clock is one source's judging time at a read: now and the calendar
// months back from it.
type clock struct {
	now      int64
	monthAgo [25]int64 // monthAgo[k] = now minus k calendar months
}

func (c *clock) set(t time.Time) {
	c.now = t.Unix()
	for k := range c.monthAgo {
		c.monthAgo[k] = t.AddDate(0, -k, 0).Unix()
	}
}

// Features returns the feature vector as of asOf, in catalogue order, with
// every source complete to asOf. The state must hold only events visible at
// asOf (see Visible and Compute).
func (s *State) Features(asOf time.Time) Vector {
	return s.FeaturesInto(make([]float64, numFeatures), asOf, nil, nil)
}

// FeaturesInto writes the vector as of asOf into dst (grown to Len() if
// needed) and returns it: the allocation-free form for bulk builds. good
// and cov may be nil.
func (s *State) FeaturesInto(dst []float64, asOf time.Time, good GoodStanding, cov *Coverage) Vector {
	if cap(dst) < numFeatures {
		dst = make([]float64, numFeatures)
	}
	v := dst[:numFeatures]
	for i := range v {
		v[i] = nan
	}
	if s.events == 0 {
		return v
	}
	s.setClocks(asOf, cov)
	if r := cov.retention(); r > 0 {
		s.since = asOf.Add(-r).Unix()
	} else {
		s.since = math.MinInt64
	}
	now := asOf.Unix()
	s.creditHistory(v, now)
	s.fulfilment(v, now)
	s.behaviour(v, now)
	s.identity(v, asOf)
	s.connections(v, good)
	return v
}

// setClocks works out each source's judging time at asOf; sources at asOf
// share the calendar arithmetic done once.
func (s *State) setClocks(asOf time.Time, cov *Coverage) {
	n := max(len(s.sources), 1)
	if cap(s.clocks) < n {
		s.clocks = make([]clock, n)
	}
	s.clocks = s.clocks[:n]
	var atAsOf *clock
	for i := range s.clocks {
		t := asOf
		if i < len(s.sources) {
			t = cov.ClockOf(s.sources[i], asOf)
		}
		if t.Equal(asOf) && atAsOf != nil {
			s.clocks[i] = *atAsOf
			continue
		}
		s.clocks[i].set(t)
		if t.Equal(asOf) {
			atAsOf = &s.clocks[i]
		}
	}
}

// aged reports whether a negative record that happened at t no longer
// counts at the current read.
func (s *State) aged(t int64) bool { return t < s.since }

// dpdEnd is when the statement stopped being past due as seen at now: its
// cure, or now if it is not cured yet.
func dpdEnd(st *statement, now int64) int64 {
	if st.cured != 0 && st.cured < now {
		return st.cured
	}
	return now
}

func (s *State) creditHistory(v Vector, now int64) {
	first := int64(0)
	for i := range s.accounts {
		if a := s.accounts[i].openedAt; a != 0 && a < now && (first == 0 || a < first) {
			first = a
		}
	}
	if first != 0 {
		v[fMonthsSinceFirstCreditLine] = float64(now-first) / secondsPerMonth
	}
	defaults, writeOffs := 0, 0
	for i := range s.loans {
		l := &s.loans[i]
		if l.defaultedAt != 0 && !s.aged(l.defaultedAt) {
			defaults++
		}
		if l.writtenOff != 0 && !s.aged(l.writtenOff) {
			writeOffs++
		}
	}
	v[fDefaults] = float64(defaults)
	v[fWriteOffs] = float64(writeOffs)
	open := 0
	for i := range s.records {
		if r := s.records[i]; r.listed != 0 && (r.cleared == 0 || r.cleared < r.listed) && !s.aged(r.listed) {
			open++
		}
	}
	v[fPublicRecordsOpen] = float64(open)
	// Applications count in the six calendar months before their source's
	// clock; none on record is 0, not missing: most people rarely apply.
	apps := 0
	for i := range s.apps {
		a := &s.apps[i]
		if c := &s.clocks[a.src]; a.at < c.now && a.at >= c.monthAgo[6] {
			apps++
		}
	}
	v[fCreditApplications6m] = float64(apps)
	if len(s.statements) == 0 {
		return
	}
	var worst3, worst12, worst24 int64
	var e30, e60, e90, due, onTime int
	lastDelinquent := int64(-1)
	for i := range s.statements {
		st := &s.statements[i]
		c := &s.clocks[st.src]
		if st.minDue <= 0 || st.due >= c.now {
			continue // not due yet as far as its source has reported
		}
		end := dpdEnd(st, c.now)
		if end > st.due && s.aged(end) {
			continue // a late payment cured longer ago than the retention
		}
		due++
		if st.cured != 0 && st.cured <= st.due && st.cured < c.now {
			onTime++
		}
		if end <= st.due {
			continue
		}
		monthAgo := &c.monthAgo
		late := end - st.due
		if end > monthAgo[3] {
			worst3 = max(worst3, late)
		}
		if end > monthAgo[12] {
			worst12 = max(worst12, late)
		}
		if end > monthAgo[24] {
			worst24 = max(worst24, late)
		}
		days := late / secondsPerDay
		if days >= 30 {
			e30++
			lastDelinquent = max(lastDelinquent, end)
		}
		if days >= 60 {
			e60++
		}
		if days >= 90 {
			e90++
		}
	}
	v[fWorstDPD3m] = float64(worst3 / secondsPerDay)
	v[fWorstDPD12m] = float64(worst12 / secondsPerDay)
	v[fWorstDPD24m] = float64(worst24 / secondsPerDay)
	v[fEpisodes30DPD] = float64(e30)
	v[fEpisodes60DPD] = float64(e60)
	v[fEpisodes90DPD] = float64(e90)
	if lastDelinquent >= 0 {
		v[fMonthsSinceLastDelinquency] = float64(now-lastDelinquent) / secondsPerMonth
	}
	if due > 0 {
		v[fOnTimeRepaymentRatio] = float64(onTime) / float64(due)
	}
	lateMonths := 0
	for j, f := range paymentStatusFeatures {
		code, ok := s.paymentStatus(j)
		if !ok {
			continue
		}
		v[f] = code
		if code > 0 {
			lateMonths++
		}
	}
	v[fMonthsLateRecent6m] = float64(lateMonths)
}

// paymentStatus is the payment grid's code j months back (each statement
// read as of its source's clock): the number of statements past their due
// date whose minimum is still not covered (the "payments missed" count
// credit bureaus report each cycle); when none, −2 if the latest statement
// due owed nothing, −1 if it was paid in full, 0 otherwise. ok is false when
// no statement had been issued by then.
func (s *State) paymentStatus(j int) (code float64, ok bool) {
	missed := 0
	var latestDue, latestIssued int64
	owed, unpaid := false, false
	for i := range s.statements {
		st := &s.statements[i]
		t := s.clocks[st.src].monthAgo[j]
		if st.issued >= t {
			continue
		}
		ok = true
		if st.issued > latestIssued {
			latestIssued = st.issued
		}
		if st.due >= t {
			continue
		}
		if st.minDue > 0 && (st.cured == 0 || st.cured >= t) {
			missed++
		}
		if st.due > latestDue {
			latestDue = st.due
		}
	}
	if !ok {
		return 0, false
	}
	if missed > 0 {
		return float64(missed), true
	}
	if latestDue == 0 {
		return 0, true
	}
	// Per account, the latest statement due by t: did it owe anything, and
	// was it paid in full before t?
	for a := range s.accounts {
		var st *statement
		var t int64
		for i := range s.statements {
			x := &s.statements[i]
			xt := s.clocks[x.src].monthAgo[j]
			if int(x.acct) == a && x.due < xt && (st == nil || x.due > st.due) {
				st, t = x, xt
			}
		}
		if st == nil || st.balance <= 0 {
			continue
		}
		owed = true
		if st.full == 0 || st.full >= t {
			unpaid = true
		}
	}
	switch {
	case !owed:
		return -2, true
	case !unpaid:
		return -1, true
	}
	return 0, true
}

func (s *State) fulfilment(v Vector, now int64) {
	if len(s.accounts) > 0 {
		var limits, limitsWithStatement, last int64
		haveStatement := false
		for a := range s.accounts {
			acc := &s.accounts[a]
			open := acc.openedAt < now && (acc.closedAt == 0 || acc.closedAt >= now)
			if open {
				limits += acc.limit
			}
			var latest *statement
			for i := range s.statements {
				st := &s.statements[i]
				if int(st.acct) == a && (latest == nil || st.issued > latest.issued) {
					latest = st
				}
			}
			if latest != nil {
				haveStatement = true
				last += max(latest.balance, 0)
				if open {
					limitsWithStatement += acc.limit
				}
			}
		}
		v[fCreditLimitTotal] = major(limits)
		if haveStatement {
			v[fStatementBalanceLast] = major(last)
			if limitsWithStatement > 0 {
				v[fUtilisationNow] = float64(last) / float64(limitsWithStatement)
			}
		}
		var util float64
		var nUtil int
		var billed6, billedPrev1, billedPrev3, billedPrev6 int64
		for i := range s.statements {
			st := &s.statements[i]
			monthAgo := &s.clocks[st.src].monthAgo
			if st.issued >= monthAgo[6] {
				billed6 += st.balance
				if l := s.accounts[st.acct].limit; l > 0 {
					util += float64(st.balance) / float64(l)
					nUtil++
				}
			}
			if st.issued < monthAgo[1] {
				if st.issued >= monthAgo[2] {
					billedPrev1 += st.balance
				}
				if st.issued >= monthAgo[4] {
					billedPrev3 += st.balance
				}
				if st.issued >= monthAgo[7] {
					billedPrev6 += st.balance
				}
			}
		}
		if nUtil > 0 {
			v[fUtilisationAvg6m] = util / float64(nUtil)
		}
		if haveStatement {
			v[fStatementBalanceAvg6m] = major(billed6) / 6
		}
		var repaid1, repaid3, repaid6 int64
		for i := range s.repayments {
			r := &s.repayments[i]
			c := &s.clocks[r.src]
			monthAgo := &c.monthAgo
			if r.at >= c.now || r.at < monthAgo[6] {
				continue
			}
			repaid6 += r.amount
			if r.at >= monthAgo[3] {
				repaid3 += r.amount
			}
			if r.at >= monthAgo[1] {
				repaid1 += r.amount
			}
		}
		v[fRepaidLastMonth] = major(repaid1)
		v[fRepaidAvg6m] = major(repaid6) / 6
		v[fRepaidToBilledRatio1m] = ratio(repaid1, billedPrev1)
		v[fRepaidToBilledRatio3m] = ratio(repaid3, billedPrev3)
		v[fRepaidToBilledRatio6m] = ratio(repaid6, billedPrev6)
		var owing, full int
		for i := range s.statements {
			st := &s.statements[i]
			c := &s.clocks[st.src]
			if st.due >= c.now || st.due < c.monthAgo[6] || st.balance <= 0 {
				continue
			}
			owing++
			if st.full != 0 && st.full <= st.due {
				full++
			}
		}
		if owing > 0 {
			v[fPaidInFullShare6m] = float64(full) / float64(owing)
		}
	}
	var principal int64
	active := 0
	for i := range s.loans {
		if l := &s.loans[i]; l.at != 0 && l.at < now && (l.endedAt == 0 || l.endedAt >= now) {
			active++
			principal += l.principal
		}
	}
	v[fLoansActive] = float64(active)
	if s.incomeVerified >= 0 {
		v[fIncomeMonthly] = major(s.incomeMonthly)
		v[fIncomeVerified] = float64(s.incomeVerified)
		if s.incomeMonthly > 0 {
			debt := principal
			if b := v[fStatementBalanceLast]; b == b {
				debt += int64(b * 100)
			}
			v[fDebtToIncome] = float64(debt) / float64(s.incomeMonthly)
		}
	}
	if s.assetSeen != 0 {
		var total int64
		for _, a := range s.assets {
			total += a
		}
		v[fAssetsTotal] = major(total)
	}
	var rentals, finished, onTime, bad int
	for i := range s.rentals {
		r := &s.rentals[i]
		if r.started == 0 {
			continue // damaged or unpaid before its start arrived: wait for it
		}
		rentals++
		if r.bad && !s.aged(r.dueBack) {
			bad++
		}
		if r.returned != 0 || r.dueBack < s.clocks[r.src].now || r.bad {
			finished++
			if r.returned != 0 && r.returned <= r.dueBack && !r.bad {
				onTime++
			}
		}
	}
	v[fRentals] = float64(rentals)
	v[fRentalsDamagedOrUnpaid] = float64(bad)
	if finished > 0 {
		v[fRentalsOnTimeRatio] = float64(onTime) / float64(finished)
	}
	var orders, settled, kept, unpaid int
	for i := range s.orders {
		o := &s.orders[i]
		if o.placed == 0 {
			continue // unpaid before the order arrived: wait for it
		}
		if o.unpaid && !s.aged(o.payBy) {
			unpaid++
		}
		orders++
		if o.settled != 0 || o.unpaid || o.payBy < s.clocks[o.src].now {
			settled++
			if o.settled != 0 && o.settled <= o.payBy && !o.unpaid {
				kept++
			}
		}
	}
	v[fOrders] = float64(orders)
	v[fOrdersUnpaid] = float64(unpaid)
	if settled > 0 {
		v[fOrdersKeptRatio] = float64(kept) / float64(settled)
	}
}

func (s *State) behaviour(v Vector, now int64) {
	// Silence counts only up to what each source has reported: the
	// shortest gap between a source's clock and its latest event.
	idle := now - s.last
	for i, last := range s.srcLast {
		if last != 0 {
			idle = min(idle, max(s.clocks[i].now-last, 0))
		}
	}
	v[fDaysSinceLastActivity] = float64(idle / secondsPerDay)
	v[fMonthsOfActivity] = float64(now-s.first) / secondsPerMonth
	var active uint16 // bit k: some payment activity in month k before the source's clock
	mark := func(src uint8, at int64) {
		c := &s.clocks[src]
		if at >= c.now || at < c.monthAgo[12] {
			return
		}
		for k := 0; k < 12; k++ {
			if at >= c.monthAgo[k+1] {
				active |= 1 << k
				return
			}
		}
	}
	var spend [6]int64
	spent := false
	for i := range s.payments {
		p := &s.payments[i]
		mark(p.src, p.at)
		if p.amount <= 0 {
			continue
		}
		spent = true
		c := &s.clocks[p.src]
		monthAgo := &c.monthAgo
		if p.at >= c.now || p.at < monthAgo[6] {
			continue
		}
		for k := 0; k < 6; k++ {
			if p.at >= monthAgo[k+1] {
				spend[k] += p.amount
				break
			}
		}
	}
	for i := range s.repayments {
		mark(s.repayments[i].src, s.repayments[i].at)
	}
	var billsDue, billsOnTime, overdue int
	for i := range s.bills {
		b := &s.bills[i]
		if b.paidAt != 0 {
			mark(b.src, b.paidAt)
		}
		c := &s.clocks[b.src]
		if b.issued == 0 || b.due >= c.now {
			continue
		}
		if b.paidAt == 0 && !s.aged(b.due) {
			overdue++
		}
		if b.due < c.monthAgo[24] {
			continue
		}
		billsDue++
		if b.paidAt != 0 && b.paidAt <= b.due {
			billsOnTime++
		}
	}
	if len(s.bills) > 0 {
		v[fBillsOverdueNow] = float64(overdue)
	}
	if billsDue > 0 {
		v[fBillsOnTimeRatio] = float64(billsOnTime) / float64(billsDue)
	}
	n := 0
	for k := 0; k < 12; k++ {
		if active&(1<<k) != 0 {
			n++
		}
	}
	v[fPaymentRegularity12m] = float64(n) / 12
	if spent {
		var sum float64
		months := 0
		for _, x := range spend {
			sum += float64(x)
			if x > 0 {
				months++
			}
		}
		mean := sum / 6
		v[fSpendingMonthlyAvg] = mean / 100
		if months >= 3 && mean > 0 {
			var ss float64
			for _, x := range spend {
				d := float64(x) - mean
				ss += d * d
			}
			v[fSpendingStability6m] = math.Sqrt(ss/6) / mean
		}
	}
}

func (s *State) identity(v Vector, asOf time.Time) {
	now := asOf.Unix()
	if s.verified >= 0 {
		v[fIdentityVerified] = float64(s.verified)
	}
	if s.birthYear > 0 {
		v[fAgeYears] = float64(asOf.Year() - s.birthYear)
	}
	if s.education >= 0 {
		v[fEducationLevel] = float64(s.education)
	}
	switch {
	case s.employment == 0:
		v[fEmploymentYears] = 0
	case s.employedSince != 0 && s.employedSince <= now:
		v[fEmploymentYears] = float64(now-s.employedSince) / secondsPerYear
	}
	if s.addressSince != 0 && s.addressSince <= now {
		v[fAddressYears] = float64(now-s.addressSince) / secondsPerYear
	}
	if s.phoneSince != 0 && s.phoneSince <= now {
		v[fPhoneYears] = float64(now-s.phoneSince) / secondsPerYear
	}
}

func (s *State) connections(v Vector, good GoodStanding) {
	active, inGood := 0, 0
	for i := range s.vouches {
		if s.vouches[i].withdrawn {
			continue
		}
		active++
		if good != nil && good.InGoodStanding(s.vouches[i].voucher) {
			inGood++
		}
	}
	if active == 0 {
		return
	}
	v[fVouchesReceived] = float64(active)
	if good != nil {
		v[fVouchersGoodStandingShare] = float64(inGood) / float64(active)
	}
}

// major converts integer minor units to major units for the model; features
// are model inputs, not money, so a float is fine here.
func major(minor int64) float64 { return float64(minor) / 100 }

func ratio(a, b int64) float64 {
	if b <= 0 {
		return nan
	}
	return float64(a) / float64(b)
}
