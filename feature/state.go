package feature

import (
	"sort"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// State is a person's events folded into the compact records the features
// need. Apply folds one event in; Features reads the vector as of a time.
// Folding is order-independent (repayments are kept sorted and cures
// recomputed when an earlier one arrives), so an event that arrives late
// gives the same state as a rebuild from scratch.
//
// A State holds no maps and reuses its slices across Reset, so a worker can
// fold millions of people with one State and almost no allocation. It is not
// safe for concurrent use.
type State struct {
	first, last int64 // first and latest occurred_at seen (Unix seconds); 0 = none
	events      int
	// sources are the sources the events came from, in order of first
	// sight; a fact keeps the index of its source (src), so that it is
	// judged as of that source's watermark. srcLast is each source's latest
	// occurred_at.
	sources []string
	srcLast []int64
	// Scratch of a read (FeaturesInto): each source's clock, and the time
	// before which negative records no longer count.
	clocks []clock
	since  int64

	// identity
	birthYear      int
	education      int8 // −1 unknown
	employment     int8 // −1 unknown, 0 not employed, 1 employed
	employedSince  int64
	addressSince   int64
	phoneSince     int64
	verified       int8 // −1 unknown
	incomeMonthly  int64
	incomeVerified int8 // −1 none
	assets         [8]int64
	assetSeen      uint8
	// When each overridable fact was last set: a later fact wins by
	// occurred_at, not by arrival, so that the fold is order-independent.
	factAt  [factCount]int64
	assetAt [8]int64

	accounts   []account
	statements []statement
	repayments []repayment // sorted by time
	loans      []loan
	records    []record
	apps       []application // credit applications (hard inquiries)
	payments   []payment
	bills      []bill
	rentals    []rental
	orders     []order
	vouches    []vouch
}

const (
	factBirth = iota
	factEducation
	factEmployment
	factEmployedSince
	factAddress
	factPhone
	factVerified
	factIncome
	factCount
)

// newer reports whether a fact occurring at `at` overrides the one kept, and
// records it if so.
func (s *State) newer(fact int, at int64) bool {
	if s.factAt[fact] != 0 && at < s.factAt[fact] {
		return false
	}
	s.factAt[fact] = at
	return true
}

type account struct {
	id       string
	limitAt  int64
	limit    int64
	openedAt int64
	closedAt int64 // 0 = open
}

type statement struct {
	acct    int32
	src     uint8
	issued  int64
	due     int64
	minDue  int64
	balance int64
	cured   int64 // when repayments since issue first covered minDue; 0 = not (yet)
	full    int64 // when they first covered the balance; 0 = not (yet)
}

type repayment struct {
	acct   int32
	src    uint8
	at     int64
	amount int64
}

type loan struct {
	id          string
	src         uint8
	principal   int64
	at          int64
	endedAt     int64 // settled, defaulted or written off
	defaultedAt int64 // 0 = not defaulted
	writtenOff  int64 // 0 = not written off
}

type record struct {
	id      string
	src     uint8
	listed  int64
	cleared int64
}

// application is a credit application, kept once per id: a lender's
// second report of it is no second inquiry.
type application struct {
	id  string
	src uint8
	at  int64
}

type payment struct {
	src    uint8
	at     int64
	amount int64 // debit > 0, credit < 0
}

type bill struct {
	id     string
	src    uint8
	due    int64
	issued int64
	paidAt int64
}

type rental struct {
	id       string
	src      uint8
	started  int64
	dueBack  int64
	returned int64
	bad      bool // damaged or unpaid
}

type order struct {
	id      string
	src     uint8
	placed  int64
	payBy   int64
	settled int64 // paid or returned
	unpaid  bool
}

type vouch struct {
	voucher   string
	at        int64
	withdrawn bool
}

// NewState returns an empty State.
func NewState() *State {
	s := &State{}
	s.Reset()
	return s
}

// Reset empties the state for another person, keeping its memory.
func (s *State) Reset() {
	*s = State{
		sources: s.sources[:0], srcLast: s.srcLast[:0], clocks: s.clocks[:0],
		accounts: s.accounts[:0], statements: s.statements[:0], repayments: s.repayments[:0],
		loans: s.loans[:0], records: s.records[:0], apps: s.apps[:0], payments: s.payments[:0], bills: s.bills[:0],
		rentals: s.rentals[:0], orders: s.orders[:0], vouches: s.vouches[:0],
		education: -1, employment: -1, verified: -1, incomeVerified: -1,
	}
}

// Events is how many events have been folded in.
func (s *State) Events() int { return s.events }

// Visible reports whether e is part of the ledger as known at asOf: it
// occurred before asOf and was recorded before asOf. Offline data without a
// recorded time counts as recorded when it occurred.
func Visible(e *sesame.Event, asOf time.Time) bool {
	if !e.OccurredAt.Before(asOf) {
		return false
	}
	return e.RecordedAt.IsZero() || e.RecordedAt.Before(asOf)
}

func unix(t time.Time) int64 { return t.Unix() }

func optUnix(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.Unix()
}

// Apply folds one event into the state. The caller decides visibility (see
// Visible): a State only ever holds what it was given. Events of unknown
// kinds or with a nil payload are ignored rather than failing a whole build.
func (s *State) Apply(e *sesame.Event) {
	if e.Payload == nil {
		return
	}
	var f fact
	f.reset()
	switch p := e.Payload.(type) {
	case *sesame.IdentityReported:
		f.birthYear = p.BirthYear
		if p.Education != "" {
			f.education = int8(educationLevel(p.Education))
		}
		if p.Employment != "" {
			f.employment = employmentCode(p.Employment)
		}
		f.employedSince, f.addressSince, f.phoneSince = optUnix(p.EmployedSince), optUnix(p.AddressSince), optUnix(p.PhoneSince)
		if p.IdentityVerified != nil {
			f.flag = boolCode(*p.IdentityVerified)
		}
	case *sesame.IncomeReported:
		f.amount, f.flag = p.Monthly.Amount, boolCode(p.Verified)
	case *sesame.AssetReported:
		f.asset, f.amount = indexOf(sesame.AssetTypes, p.Asset), p.Value.Amount
	case *sesame.CreditLineOpened:
		f.id, f.amount = p.Account, p.Limit.Amount
	case *sesame.CreditLineLimitChanged:
		f.id, f.amount = p.Account, p.Limit.Amount
	case *sesame.CreditLineClosed:
		f.id = p.Account
	case *sesame.StatementIssued:
		f.id, f.amount, f.minDue, f.due = p.Account, p.Balance.Amount, p.MinimumDue.Amount, unix(p.DueAt)
	case *sesame.RepaymentMade:
		f.id, f.amount = p.Account, p.Amount.Amount
	case *sesame.LoanOriginated:
		f.id, f.amount = p.Loan, p.Principal.Amount
	case *sesame.LoanSettled:
		f.id = p.Loan
	case *sesame.LoanDefaulted:
		f.id = p.Loan
	case *sesame.LoanWrittenOff:
		f.id = p.Loan
	case *sesame.CreditApplied:
		f.id = p.Application
	case *sesame.PaymentMade:
		f.amount, f.credit = p.Amount.Amount, p.Direction == "credit"
	case *sesame.BillIssued:
		f.id, f.due = p.Bill, unix(p.DueAt)
	case *sesame.BillPaid:
		f.id = p.Bill
	case *sesame.RentalStarted:
		f.id, f.due = p.Rental, unix(p.DueBackAt)
	case *sesame.RentalReturned:
		f.id = p.Rental
	case *sesame.RentalDamaged:
		f.id = p.Rental
	case *sesame.RentalUnpaid:
		f.id = p.Rental
	case *sesame.OrderPlaced:
		f.id, f.due = p.Order, unix(p.PayBy)
	case *sesame.OrderPaid:
		f.id = p.Order
	case *sesame.OrderReturned:
		f.id = p.Order
	case *sesame.OrderUnpaid:
		f.id = p.Order
	case *sesame.PublicRecordListed:
		f.id = p.Record
	case *sesame.PublicRecordCleared:
		f.id = p.Record
	case *sesame.ConnectionVouched:
		f.id = p.Voucher
	case *sesame.ConnectionWithdrawn:
		f.id = p.Voucher
	default:
		return
	}
	s.applyFact(s.source(e.Source), e.Kind, unix(e.OccurredAt), &f)
}

// maxSources bounds the sources one person's facts are told apart by; the
// facts of any source beyond it are judged with the last one's clock. A
// person has a handful.
const maxSources = 255

// source returns the index of the named source, adding it on first sight.
// The name is cloned: on the bulk path it points into a reused buffer.
func (s *State) source(name string) uint8 {
	for i := range s.sources {
		if s.sources[i] == name {
			return uint8(i)
		}
	}
	if len(s.sources) == maxSources {
		return maxSources - 1
	}
	s.sources = append(s.sources, strings.Clone(name))
	s.srcLast = append(s.srcLast, 0)
	return uint8(len(s.sources) - 1)
}

// fact is the part of an event's payload the features read, in plain
// values: the one form both Apply (typed payloads) and ApplyJSON (stored
// JSON, the bulk path) reduce an event to, so the two cannot disagree.
type fact struct {
	id                                      string // account, loan, application, bill, rental, order, record or voucher
	amount                                  int64  // the payload's main amount (balance, limit, repayment, income, value, principal)
	minDue                                  int64
	due                                     int64 // due_at, due_back_at or pay_by (Unix seconds)
	credit                                  bool  // a payment received rather than spent
	flag                                    int8  // verified / identity_verified: −1 unset
	asset                                   int
	birthYear                               int
	education, employment                   int8 // −2 unset
	employedSince, addressSince, phoneSince int64
}

func (f *fact) reset() {
	*f = fact{flag: -1, asset: -1, education: -2, employment: -2}
}

func employmentCode(e string) int8 {
	switch e {
	case "employed", "self_employed":
		return 1
	}
	return 0
}

func (s *State) applyFact(src uint8, kind sesame.Kind, at int64, f *fact) {
	s.events++
	if s.first == 0 || at < s.first {
		s.first = at
	}
	if at > s.last {
		s.last = at
	}
	switch kind {
	case sesame.KindIdentityReported:
		s.applyIdentity(f, at)
	case sesame.KindIncomeReported:
		if s.newer(factIncome, at) {
			s.incomeMonthly, s.incomeVerified = f.amount, max(f.flag, 0)
		}
	case sesame.KindAssetReported:
		if i := f.asset; i >= 0 && i < len(s.assets) && (s.assetAt[i] == 0 || at >= s.assetAt[i]) {
			s.assets[i], s.assetAt[i] = f.amount, at
			s.assetSeen |= 1 << i
		}
	case sesame.KindCreditLineOpened:
		i := s.account(f.id)
		s.setLimit(i, f.amount, at)
		if s.accounts[i].openedAt == 0 || at < s.accounts[i].openedAt {
			s.accounts[i].openedAt = at
		}
	case sesame.KindCreditLineLimitChanged:
		s.setLimit(s.account(f.id), f.amount, at)
	case sesame.KindCreditLineClosed:
		s.accounts[s.account(f.id)].closedAt = at
	case sesame.KindStatementIssued:
		s.addStatement(int32(s.account(f.id)), src, at, f.due, f.minDue, f.amount)
	case sesame.KindRepaymentMade:
		s.addRepayment(int32(s.account(f.id)), src, at, f.amount)
	case sesame.KindLoanOriginated:
		l := s.loan(f.id)
		s.loans[l].principal, s.loans[l].at, s.loans[l].src = f.amount, at, src
	case sesame.KindLoanSettled:
		s.endLoan(f.id, at)
	case sesame.KindLoanDefaulted:
		l := &s.loans[s.endLoan(f.id, at)]
		if l.defaultedAt == 0 || at < l.defaultedAt {
			l.defaultedAt = at
		}
		if l.at == 0 {
			l.src = src
		}
	case sesame.KindLoanWrittenOff:
		l := &s.loans[s.endLoan(f.id, at)]
		if l.writtenOff == 0 || at < l.writtenOff {
			l.writtenOff = at
		}
		if l.at == 0 {
			l.src = src
		}
	case sesame.KindCreditApplied:
		// The earliest report of an application is when it was made.
		if a := &s.apps[s.application(f.id)]; a.at == 0 || at < a.at {
			a.at, a.src = at, src
		}
	case sesame.KindPaymentMade:
		amt := f.amount
		if f.credit {
			amt = -amt
		}
		s.payments = append(s.payments, payment{src: src, at: at, amount: amt})
	case sesame.KindBillIssued:
		b := s.bill(f.id)
		s.bills[b].due, s.bills[b].issued, s.bills[b].src = f.due, at, src
	case sesame.KindBillPaid:
		b := s.bill(f.id)
		if s.bills[b].paidAt == 0 || at < s.bills[b].paidAt {
			s.bills[b].paidAt = at
		}
	case sesame.KindRentalStarted:
		r := s.rental(f.id)
		s.rentals[r].started, s.rentals[r].dueBack, s.rentals[r].src = at, f.due, src
	case sesame.KindRentalReturned:
		r := s.rental(f.id)
		if s.rentals[r].returned == 0 || at < s.rentals[r].returned {
			s.rentals[r].returned = at
		}
	case sesame.KindRentalDamaged, sesame.KindRentalUnpaid:
		s.rentals[s.rental(f.id)].bad = true
	case sesame.KindOrderPlaced:
		o := s.order(f.id)
		s.orders[o].placed, s.orders[o].payBy, s.orders[o].src = at, f.due, src
	case sesame.KindOrderPaid, sesame.KindOrderReturned:
		s.settleOrder(f.id, at)
	case sesame.KindOrderUnpaid:
		s.orders[s.order(f.id)].unpaid = true
	case sesame.KindPublicRecordListed:
		r := &s.records[s.record(f.id)]
		r.listed, r.src = at, src
	case sesame.KindPublicRecordCleared:
		s.records[s.record(f.id)].cleared = at
	case sesame.KindConnectionVouched:
		if v := s.vouch(f.id); at >= v.at {
			v.at, v.withdrawn = at, false
		}
	case sesame.KindConnectionWithdrawn:
		if v := s.vouch(f.id); at >= v.at {
			v.at, v.withdrawn = at, true
		}
	default:
		s.events-- // not a kind the features know
		return
	}
	if at > s.srcLast[src] {
		s.srcLast[src] = at
	}
}

// applyIdentity lets a later report override the fields it sets. Protected
// attributes never reach a fact, so no feature can read them.
func (s *State) applyIdentity(f *fact, at int64) {
	if f.birthYear != 0 && s.newer(factBirth, at) {
		s.birthYear = f.birthYear
	}
	if f.education != -2 && s.newer(factEducation, at) {
		s.education = f.education
	}
	if f.employment != -2 && s.newer(factEmployment, at) {
		s.employment = f.employment
	}
	if f.employedSince != 0 && s.newer(factEmployedSince, at) {
		s.employedSince = f.employedSince
	}
	if f.addressSince != 0 && s.newer(factAddress, at) {
		s.addressSince = f.addressSince
	}
	if f.phoneSince != 0 && s.newer(factPhone, at) {
		s.phoneSince = f.phoneSince
	}
	if f.flag >= 0 && s.newer(factVerified, at) {
		s.verified = f.flag
	}
}

// educationLevel orders the education values; "other" is unknown (−1).
func educationLevel(e string) int {
	switch e {
	case "none":
		return 0
	case "primary":
		return 1
	case "secondary":
		return 2
	case "vocational":
		return 3
	case "bachelor":
		return 4
	case "master":
		return 5
	case "doctorate":
		return 6
	}
	return -1
}

func boolCode(b bool) int8 {
	if b {
		return 1
	}
	return 0
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// The lookups below scan small slices: a person has a handful of accounts,
// bills in flight and rentals, and a scan of a few strings beats a map that
// would have to be allocated and cleared for every person. A new id is
// cloned: on the bulk path it points into a buffer the driver reuses.

func (s *State) account(id string) int {
	for i := range s.accounts {
		if s.accounts[i].id == id {
			return i
		}
	}
	s.accounts = append(s.accounts, account{id: strings.Clone(id)})
	return len(s.accounts) - 1
}

func (s *State) bill(id string) int {
	for i := len(s.bills) - 1; i >= 0; i-- {
		if s.bills[i].id == id {
			return i
		}
	}
	s.bills = append(s.bills, bill{id: strings.Clone(id)})
	return len(s.bills) - 1
}

func (s *State) rental(id string) int {
	for i := len(s.rentals) - 1; i >= 0; i-- {
		if s.rentals[i].id == id {
			return i
		}
	}
	s.rentals = append(s.rentals, rental{id: strings.Clone(id)})
	return len(s.rentals) - 1
}

func (s *State) order(id string) int {
	for i := len(s.orders) - 1; i >= 0; i-- {
		if s.orders[i].id == id {
			return i
		}
	}
	s.orders = append(s.orders, order{id: strings.Clone(id)})
	return len(s.orders) - 1
}

func (s *State) record(id string) int {
	for i := range s.records {
		if s.records[i].id == id {
			return i
		}
	}
	s.records = append(s.records, record{id: strings.Clone(id)})
	return len(s.records) - 1
}

func (s *State) application(id string) int {
	for i := range s.apps {
		if s.apps[i].id == id {
			return i
		}
	}
	s.apps = append(s.apps, application{id: strings.Clone(id)})
	return len(s.apps) - 1
}

func (s *State) vouch(voucher string) *vouch {
	for i := range s.vouches {
		if s.vouches[i].voucher == voucher {
			return &s.vouches[i]
		}
	}
	s.vouches = append(s.vouches, vouch{voucher: strings.Clone(voucher)})
	return &s.vouches[len(s.vouches)-1]
}

func (s *State) settleOrder(id string, at int64) {
	o := s.order(id)
	if s.orders[o].settled == 0 || at < s.orders[o].settled {
		s.orders[o].settled = at
	}
}

func (s *State) setLimit(i int, limit, at int64) {
	if a := &s.accounts[i]; a.limitAt == 0 || at >= a.limitAt {
		a.limit, a.limitAt = limit, at
	}
}

// loan finds or adds a loan; an end that arrives before the origination
// waits for it in the entry (at = 0 until originated).
func (s *State) loan(id string) int {
	for i := range s.loans {
		if s.loans[i].id == id {
			return i
		}
	}
	s.loans = append(s.loans, loan{id: strings.Clone(id)})
	return len(s.loans) - 1
}

func (s *State) endLoan(id string, at int64) int {
	i := s.loan(id)
	if l := &s.loans[i]; l.endedAt == 0 || at < l.endedAt {
		l.endedAt = at
	}
	return i
}

// addStatement records a statement and works out from the repayments already
// known when its minimum and its balance were covered.
// Statements are kept in time order whatever order they arrive in, so that
// sums over them (floats included) come out the same either way.
func (s *State) addStatement(acct int32, src uint8, issued, due, minDue, balance int64) {
	st := statement{acct: acct, src: src, issued: issued, due: due, minDue: minDue, balance: balance}
	i := len(s.statements)
	s.statements = append(s.statements, st)
	for i > 0 && statementBefore(&st, &s.statements[i-1]) {
		s.statements[i] = s.statements[i-1]
		i--
	}
	s.statements[i] = st
	s.cure(&s.statements[i])
}

func statementBefore(a, b *statement) bool {
	if a.issued != b.issued {
		return a.issued < b.issued
	}
	if a.acct != b.acct {
		return a.acct < b.acct
	}
	if a.due != b.due {
		return a.due < b.due
	}
	if a.minDue != b.minDue {
		return a.minDue < b.minDue
	}
	return a.balance < b.balance
}

// addRepayment inserts a repayment in time order and recomputes the cures of
// the statements it can affect (same account, issued at or before it, and not
// already covered before it).
func (s *State) addRepayment(acct int32, src uint8, at, amount int64) {
	n := len(s.repayments)
	if n == 0 || s.repayments[n-1].at <= at {
		s.repayments = append(s.repayments, repayment{acct: acct, src: src, at: at, amount: amount})
	} else {
		i := sort.Search(n, func(i int) bool { return s.repayments[i].at > at })
		s.repayments = append(s.repayments, repayment{})
		copy(s.repayments[i+1:], s.repayments[i:])
		s.repayments[i] = repayment{acct: acct, src: src, at: at, amount: amount}
	}
	for i := range s.statements {
		st := &s.statements[i]
		if st.acct != acct || st.issued > at {
			continue
		}
		if st.cured != 0 && st.cured <= at && st.full != 0 && st.full <= at {
			continue
		}
		s.cure(st)
	}
}

// cure sets when cumulative repayments to the statement's account made since
// it was issued first covered its minimum due (cured) and its balance (full).
// This is the definition of days past due: a statement is past due from its
// due date until it is cured.
func (s *State) cure(st *statement) {
	st.cured, st.full = 0, 0
	if st.minDue <= 0 {
		st.cured = st.issued
	}
	if st.balance <= 0 {
		st.full = st.issued
	}
	if st.cured != 0 && st.full != 0 {
		return
	}
	i := sort.Search(len(s.repayments), func(i int) bool { return s.repayments[i].at >= st.issued })
	var sum int64
	for ; i < len(s.repayments); i++ {
		r := &s.repayments[i]
		if r.acct != st.acct {
			continue
		}
		sum += r.amount
		if st.cured == 0 && sum >= st.minDue {
			st.cured = r.at
		}
		if st.full == 0 && sum >= st.balance {
			st.full = r.at
		}
		if st.cured != 0 && st.full != 0 {
			return
		}
	}
}
