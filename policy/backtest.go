package policy

import (
	"context"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// BandStats is one band's line of a backtest.
type BandStats struct {
	Band          sesame.Band `json:"band"`
	People        int         `json:"people"`
	Approved      int         `json:"approved"`
	Referred      int         `json:"referred"`
	Declined      int         `json:"declined"`
	Bad           int         `json:"bad"`          // people who went bad after their score's as-of
	BadOfApproved int         `json:"bad_approved"` // of them, approved ones
}

// Backtest is a policy run over a scored population.
type Backtest struct {
	Product  string       `json:"product"`
	Version  string       `json:"policy_version"`
	People   int          `json:"people"`
	Unscored BandStats    `json:"insufficient_history"`
	Bands    []*BandStats `json:"bands"`
}

// Labeler says whether a person went bad after asOf (package feature's
// label: a default, a write-off, 90+ days past due, or an unpaid rental or
// order recorded after the as-of time).
type Labeler func(ctx context.Context, person string, asOf time.Time) (bool, error)

// EventLabeler labels from a person's events in the ledger, over the
// outcome window from a score's as-of time to horizon(asOf). A window the
// data does not cover (ending after a source's watermark, see
// feature.Coverage.CheckWindow) is an error, not a guess: outcomes there
// have not been observed yet.
func EventLabeler(events sesame.EventStore, horizon func(asOf time.Time) time.Time, cov *feature.Coverage) Labeler {
	state := feature.NewState()
	return func(ctx context.Context, person string, asOf time.Time) (bool, error) {
		end := horizon(asOf)
		if err := cov.CheckWindow(asOf, end); err != nil {
			return false, sesame.Errorf(sesame.EINVALID, "the score of %s: %v", person, err)
		}
		var all []sesame.Event
		f := sesame.EventFilter{Person: person, Limit: 1000}
		for {
			page, err := events.Events(ctx, f)
			if err != nil {
				return false, err
			}
			all = append(all, page.Events...)
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		bad, _ := feature.AllOutcomes.Label(state, all, asOf, end)
		return bad, nil
	}
}

// Run evaluates pol for every score scan yields and labels each person.
func (pol *Policy) Backtest(ctx context.Context, scan func(ctx context.Context, fn func(*sesame.Score) error) error, label Labeler) (*Backtest, error) {
	bt := &Backtest{Product: pol.Product.ID, Version: pol.Product.PolicyVersion, Unscored: BandStats{Band: "-"}}
	byBand := map[sesame.Band]*BandStats{}
	for _, b := range sesame.Bands {
		s := &BandStats{Band: b.Band}
		byBand[b.Band] = s
		bt.Bands = append(bt.Bands, s)
	}
	err := scan(ctx, func(sc *sesame.Score) error {
		res, err := pol.Evaluate(Input(sc, 0))
		if err != nil {
			return err
		}
		st := &bt.Unscored
		if sc.Status == sesame.StatusScored {
			st = byBand[sc.Band]
		}
		bt.People++
		st.People++
		switch res.Decision {
		case sesame.Approve:
			st.Approved++
		case sesame.Refer:
			st.Referred++
		default:
			st.Declined++
		}
		if label != nil {
			bad, err := label(ctx, sc.Person, sc.AsOf)
			if err != nil {
				return err
			}
			if bad {
				st.Bad++
				if res.Decision == sesame.Approve {
					st.BadOfApproved++
				}
			}
		}
		return nil
	})
	return bt, err
}
