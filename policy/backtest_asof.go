package policy

import (
	"context"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/score"
)

// AsOf is a population scored at a past date, with each person's outcome
// in the window after it: what a backtest needs to show real bad rates
// (stored scores are as of today and have no future yet).
type AsOf struct {
	Scanner sesame.EventScanner
	Engine  *score.Engine
	AsOf    time.Time
	End     time.Time // end of the outcome window
	// Backfilled: the ledger was loaded after the fact (simulate, import),
	// so recording times say nothing; events count from when they occurred.
	Backfilled bool

	bad map[string]bool
}

// Scan scores everyone as of a.AsOf and labels them; use it as Backtest's
// scan, with a.Label as its labeler.
func (a *AsOf) Scan(ctx context.Context, fn func(*sesame.Score) error) error {
	a.bad = map[string]bool{}
	state := feature.NewState()
	recordedBefore := a.End
	if a.Backfilled {
		recordedBefore = time.Time{}
	}
	return a.Scanner.ScanPeople(ctx, "", recordedBefore, func(person string, events []sesame.Event) error {
		evs := events
		if a.Backfilled {
			evs = append([]sesame.Event(nil), events...)
			for i := range evs {
				evs[i].RecordedAt = time.Time{}
			}
		}
		bad, already := feature.AllOutcomes.Label(state, evs, a.AsOf, a.End)
		a.bad[person] = bad && !already
		if already {
			// Already bad at the as-of date: not a fair case of "who will go bad".
			a.bad[person] = false
		}
		return fn(a.Engine.Score(person, evs, a.AsOf))
	})
}

// Label reports the outcome Scan found for person.
func (a *AsOf) Label(_ context.Context, person string, _ time.Time) (bool, error) {
	return a.bad[person], nil
}
