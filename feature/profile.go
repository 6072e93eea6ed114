package feature

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/sesame-credit/sesame"
)

// Compute folds the events visible at asOf into a fresh state and returns
// the vector: the from-scratch path, used by tests and one-off scoring.
func Compute(events []sesame.Event, asOf time.Time) Vector {
	s := NewState()
	s.ApplyVisible(events, asOf)
	return s.Features(asOf)
}

// ApplyVisible folds in the events of the list that are visible at asOf and
// ignores the rest.
func (s *State) ApplyVisible(events []sesame.Event, asOf time.Time) {
	for i := range events {
		if Visible(&events[i], asOf) {
			s.Apply(&events[i])
		}
	}
}

// Missing says, in words a person understands, why the state does not
// support a score as of asOf; nil when it does. A score needs at least one
// record of how the person keeps commitments (credit, bills, rentals,
// orders or payments) and minHistory of records.
func (s *State) Missing(asOf time.Time, minHistory time.Duration) []string {
	var out []string
	if s.events == 0 {
		return []string{missingNone}
	}
	if len(s.statements) == 0 && len(s.bills) == 0 && len(s.rentals) == 0 && len(s.orders) == 0 && len(s.payments) == 0 && len(s.loans) == 0 {
		out = append(out, missingNoActivity)
	}
	if span := asOf.Unix() - s.first; minHistory > 0 && span < int64(minHistory/time.Second) {
		months := math.Ceil(minHistory.Hours() / 24 / 30.4375)
		out = append(out, fmt.Sprintf(missingShort, months, time.Unix(s.first, 0).UTC().Format(missingDate)))
	}
	return out
}

// DefaultMinHistory is how much history a score needs by default.
const DefaultMinHistory = 90 * 24 * time.Hour

// TipTarget is a value a person can bring a feature to by their own action,
// and the sentence that says how.
type TipTarget struct {
	Value  float64
	Action string
}

// Tips returns the values of the named feature that the person could reach
// by their own action from the current value, best first; nil for features
// a person cannot change directly (history, age). The model prices each.
// The slice is shared: do not modify it.
func Tips(name string, current float64) []TipTarget { return TipsAt(Index(name), current) }

// TipsAt is Tips for the feature at position i of the vector: the score
// engine asks for every feature of every person it scores, so this is a
// lookup in tables built once (no name search, no formatting, no
// allocation, but for the relative ladders of counts). Do not modify the
// slice: it may be shared.
func TipsAt(i int, current float64) []TipTarget {
	if i < 0 || i >= numFeatures {
		return nil
	}
	l := &tipLadders[i]
	if current != current {
		return l.missing
	}
	if len(l.steps) > 0 && current >= 0 && current < math.MaxInt32 {
		// A count or a length that grows by what the person does (more
		// orders kept, a longer record): the targets are steps ahead.
		out := make([]TipTarget, len(l.steps))
		for k, step := range l.steps {
			out[k] = TipTarget{current + step, TipSentence(catalogue[i].Name, current+step, "en")}
		}
		return out
	}
	// The targets are ordered best first and, for a lower-is-better
	// feature, ascending: those below the current value form a prefix.
	n := 0
	for n < len(l.targets) && (l.lower && current > l.targets[n].Value || !l.lower && current < l.targets[n].Value) {
		n++
	}
	if n == 0 {
		return nil
	}
	return l.targets[:n:n]
}

// tipLadder is what a person can bring one feature to: the targets, best
// first, each applying while the current value is worse than it.
type tipLadder struct {
	targets []TipTarget
	lower   bool // lower values are better: a target applies above it
	// missing are the targets open to a person with no value at all: a
	// person without a card can still hold one lightly used, and an
	// identity never checked can be verified.
	missing []TipTarget
	// steps, when set, make the ladder relative: the targets are the
	// current value plus each step.
	steps []float64
}

var tipLadders = func() (out [numFeatures]tipLadder) {
	lower := func(i int, targets ...float64) {
		for _, t := range targets {
			out[i].targets = append(out[i].targets, TipTarget{t, TipSentence(catalogue[i].Name, t, "en")})
		}
		out[i].lower = true
	}
	higher := func(i int) { out[i].targets = []TipTarget{{1, TipSentence(catalogue[i].Name, 1, "en")}} }
	lower(fUtilisationNow, 0.1, 0.3, 0.5)
	lower(fUtilisationAvg6m, 0.1, 0.3)
	lower(fMonthsLateRecent6m, 0)
	lower(fCreditApplications6m, 0)
	lower(fDaysSinceLastActivity, 30)
	out[fMonthsOfActivity].steps = []float64{6, 12}
	out[fOrders].steps = []float64{1, 2, 3, 5, 10}
	out[fRentals].steps = []float64{1, 2, 3, 5, 10}
	out[fUtilisationNow].missing = out[fUtilisationNow].targets[:1:1]
	lower(fDebtToIncome, 1, 3)
	// The grid's −1 is "last statement paid in full": the state a person
	// with overdue payments reaches by paying them and the balance.
	lower(fPaymentStatusNow, -1)
	for _, i := range []int{fWorstDPD3m, fPublicRecordsOpen, fOrdersUnpaid, fBillsOverdueNow} {
		lower(i, 0)
	}
	for _, i := range []int{fIdentityVerified, fIncomeVerified, fOnTimeRepaymentRatio, fPaidInFullShare6m, fBillsOnTimeRatio,
		fRentalsOnTimeRatio, fPaymentRegularity12m, fRepaidToBilledRatio1m, fRepaidToBilledRatio3m, fRepaidToBilledRatio6m} {
		higher(i)
	}
	out[fIdentityVerified].missing = out[fIdentityVerified].targets
	for i := range out {
		if !catalogue[i].Actionable { // the catalogue decides what a person can change
			out[i] = tipLadder{}
		}
	}
	return out
}()

// Profiler computes profiles for the score service: the vector, what is
// missing for a score, and tips. It holds no per-person state and is safe
// for concurrent use.
type Profiler struct {
	MinHistory   time.Duration // 0 means DefaultMinHistory
	GoodStanding GoodStanding  // optional; see vouchers_good_standing_share
	// coverage is the sources' watermarks and the retention as last set
	// (SetCoverage): the score service refreshes it from the store before
	// it scores, so every replica judges by the same watermarks.
	coverage atomic.Pointer[Coverage]
}

// SetCoverage sets the watermarks and retention profiles are read with.
func (p *Profiler) SetCoverage(c *Coverage) { p.coverage.Store(c) }

// Coverage returns what SetCoverage last set (nil: every source complete,
// default retention).
func (p *Profiler) Coverage() *Coverage { return p.coverage.Load() }

// Names returns the feature names in vector order.
func (p *Profiler) Names() []string { return names }

// Profile folds the events visible at asOf and returns the vector and what
// is missing for a score (nil when nothing is).
func (p *Profiler) Profile(events []sesame.Event, asOf time.Time) (Vector, []string, []sesame.SourceAsOf) {
	s := statePool.Get().(*State)
	defer statePool.Put(s)
	s.Reset()
	s.ApplyVisible(events, asOf)
	return p.read(s, asOf)
}

// ProfileState reads an already folded state: the incremental path (Apply
// the new event to a kept State, then call this).
func (p *Profiler) ProfileState(s *State, asOf time.Time) (Vector, []string, []sesame.SourceAsOf) {
	return p.read(s, asOf)
}

func (p *Profiler) read(s *State, asOf time.Time) (Vector, []string, []sesame.SourceAsOf) {
	min := p.MinHistory
	if min == 0 {
		min = DefaultMinHistory
	}
	cov := p.coverage.Load()
	return s.FeaturesInto(nil, asOf, p.GoodStanding, cov), s.Missing(asOf, min), s.DataAsOf(asOf, cov)
}

// DataAsOf says, for each source of the state's events in order of first
// sight, how far its data is complete as read at asOf and whether it is
// stale (silent longer than the coverage's StaleAfter).
func (s *State) DataAsOf(asOf time.Time, cov *Coverage) []sesame.SourceAsOf {
	if len(s.sources) == 0 {
		return nil
	}
	staleAfter := sesame.DefaultStaleAfter
	if cov != nil && cov.StaleAfter > 0 {
		staleAfter = cov.StaleAfter
	}
	out := make([]sesame.SourceAsOf, len(s.sources))
	for i, src := range s.sources {
		t := cov.ClockOf(src, asOf).UTC()
		out[i] = sesame.SourceAsOf{Source: src, AsOf: t, Stale: asOf.Sub(t) > staleAfter}
	}
	return out
}

// Tips is the package function Tips, for the score service's Profiler interface.
func (p *Profiler) Tips(name string, current float64) []TipTarget { return Tips(name, current) }
