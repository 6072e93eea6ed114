package feature

import (
	"fmt"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// Outcome is the set of events that make a person "bad" for a training
// label. The default is all of them.
type Outcome struct {
	DPD90    bool // a statement reaches 90 days past due
	DPD60    bool // a statement reaches 60 days past due (a stricter definition, e.g. for the credit card approval data)
	Default  bool // a loan or credit line is declared in default
	WriteOff bool // a lender writes an amount off
	Unpaid   bool // a rental or try-before-buy order is left unpaid
}

// AllOutcomes counts every kind of failure as bad.
var AllOutcomes = Outcome{DPD90: true, Default: true, WriteOff: true, Unpaid: true}

// ParseOutcome reads a comma-separated list of dpd90, default, writeoff and
// unpaid ("all" for every one).
func ParseOutcome(s string) (Outcome, error) {
	var o Outcome
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(strings.ToLower(part)) {
		case "dpd90", "90dpd":
			o.DPD90 = true
		case "dpd60", "60dpd":
			o.DPD60 = true
		case "default":
			o.Default = true
		case "writeoff", "write_off", "written_off":
			o.WriteOff = true
		case "unpaid":
			o.Unpaid = true
		case "all":
			o = AllOutcomes
		case "":
		default:
			return Outcome{}, fmt.Errorf("unknown outcome %q: use dpd90, dpd60, default, writeoff, unpaid or all", part)
		}
	}
	if o == (Outcome{}) {
		return Outcome{}, fmt.Errorf("no outcome given: use dpd90, default, writeoff, unpaid or all")
	}
	return o, nil
}

func (o Outcome) String() string {
	var parts []string
	if o.DPD90 {
		parts = append(parts, "dpd90")
	}
	if o.DPD60 {
		parts = append(parts, "dpd60")
	}
	if o.Default {
		parts = append(parts, "default")
	}
	if o.WriteOff {
		parts = append(parts, "writeoff")
	}
	if o.Unpaid {
		parts = append(parts, "unpaid")
	}
	return strings.Join(parts, ",")
}

const days90 = 90 * secondsPerDay

// Label says whether the outcome happened in [asOf, end) — bad — and whether
// it had already happened before asOf (alreadyBad: such a person is not a
// fair training example of "who will go bad"). It reads events visible at
// end; s is scratch space (Reset here) so bulk builds allocate nothing.
func (o Outcome) Label(s *State, events []sesame.Event, asOf, end time.Time) (bad, alreadyBad bool) {
	from, to := asOf.Unix(), end.Unix()
	s.Reset()
	for i := range events {
		e := &events[i]
		if !Visible(e, end) {
			continue
		}
		hit, fold := o.reads(e.Kind)
		if fold {
			s.Apply(e)
		}
		if hit {
			if e.OccurredAt.Unix() < from {
				alreadyBad = true
			} else {
				bad = true
			}
		}
	}
	dBad, dAlready := o.dpd(s, from, to)
	return bad || dBad, alreadyBad || dAlready
}

// reads says what an event of kind k means for the outcome: hit, it is the
// outcome itself (a default, a write-off, an unpaid rental or order); fold,
// it feeds the days-past-due reckoning and must be folded into the state.
// Label and the raw build's labelRaw share it.
func (o Outcome) reads(k sesame.Kind) (hit, fold bool) {
	switch k {
	case sesame.KindLoanDefaulted:
		return o.Default, false
	case sesame.KindLoanWrittenOff:
		return o.WriteOff, false
	case sesame.KindRentalUnpaid, sesame.KindOrderUnpaid:
		return o.Unpaid, false
	case sesame.KindStatementIssued, sesame.KindRepaymentMade, sesame.KindCreditLineOpened:
		return false, o.DPD90 || o.DPD60
	}
	return false, false
}

// dpd reads the 60/90+ days-past-due outcome from the statements folded
// into s: bad when a statement reached the threshold within [from, to),
// already bad when one stood past it at from.
func (o Outcome) dpd(s *State, from, to int64) (bad, alreadyBad bool) {
	if o.DPD90 || o.DPD60 {
		threshold := int64(days90)
		if o.DPD60 {
			threshold = 60 * secondsPerDay
		}
		for i := range s.statements {
			st := &s.statements[i]
			if st.minDue <= 0 {
				continue
			}
			reach := st.due + threshold
			if reach >= to || (st.cured != 0 && st.cured <= reach) {
				continue
			}
			if reach < from {
				if st.cured == 0 || st.cured >= from {
					alreadyBad = true // 90+ days past due at the as-of time
				}
				continue
			}
			bad = true
		}
	}
	return bad, alreadyBad
}

// ParseHorizon reads a duration in months ("12m"), years ("1y") or days
// ("90d"), and returns the end of the window that starts at asOf.
func ParseHorizon(s string, asOf time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return time.Time{}, fmt.Errorf("horizon %q: use a number of months (12m), years (1y) or days (90d)", s)
	}
	var n int
	if _, err := fmt.Sscanf(s[:len(s)-1], "%d", &n); err != nil || n <= 0 || n > 1200 {
		return time.Time{}, fmt.Errorf("horizon %q: use a positive number of months (12m), years (1y) or days (90d)", s)
	}
	switch s[len(s)-1] {
	case 'm':
		return asOf.AddDate(0, n, 0), nil
	case 'y':
		return asOf.AddDate(n, 0, 0), nil
	case 'd':
		return asOf.AddDate(0, 0, n), nil
	}
	return time.Time{}, fmt.Errorf("horizon %q: end it with m (months), y (years) or d (days)", s)
}
