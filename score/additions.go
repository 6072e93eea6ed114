package score

import (
	"context"
	"sort"

	"github.com/sesame-credit/sesame"
)

// The self-added rule. What a person adds to their own record (a bill
// account, a fact a source vouched for; sesame.Addition) may only raise
// their score. The engine scores the person with every subset of their
// kept additions, none included, and keeps the highest: adding one more
// only adds subsets, so it never lowers the score; removing one only takes
// subsets away, so it never raises it, and removing it right after adding
// it gives back exactly the score from before. Scoring every subset costs
// 2^n scorings, so a person keeps at most MaxKeptAdditions. Additions
// cannot make a score out of too thin a file either: an unscored person
// stays unscored.

// MaxKeptAdditions bounds the additions a person keeps at once.
const MaxKeptAdditions = 6

// WithAdditions returns base, or the highest score with some of the kept
// additions' events folded in when one is higher than base, naming those
// additions and the points they added. events are the person's ledger
// events base was computed from.
func (e *Engine) WithAdditions(base *sesame.Score, events []sesame.Event, adds []*sesame.Addition) *sesame.Score {
	if base == nil || base.Status != sesame.StatusScored {
		return base
	}
	var kept []*sesame.Addition
	for _, a := range adds {
		// Known strictly before the as-of time, as feature.Visible has it.
		if a.Kept() && a.AddedAt.Before(base.AsOf) && len(kept) < MaxKeptAdditions {
			kept = append(kept, a)
		}
	}
	best := base
	for mask := 1; mask < 1<<len(kept); mask++ {
		all := append([]sesame.Event(nil), events...)
		var named []sesame.SelfAdded
		for i, a := range kept {
			if mask&(1<<i) != 0 {
				all = append(all, a.Events...)
				named = append(named, sesame.SelfAdded{ID: a.ID, Kind: a.Kind, Source: a.Source, Label: a.Label})
			}
		}
		// Folding is in time order; the ledger's events come sorted, the
		// additions' are interleaved into them.
		sort.SliceStable(all, func(i, j int) bool { return all[i].OccurredAt.Before(all[j].OccurredAt) })
		with := e.Score(base.Person, all, base.AsOf)
		if with.Status == sesame.StatusScored && with.Score > best.Score {
			with.SelfAdded, with.SelfAddedPoints = named, with.Score-base.Score
			best = with
		}
	}
	return best
}

// applyAdditions applies the self-added rule to scores in place: to every
// one whose person keeps an addition, or, when only is not nil, to those in
// only (a full rescore knows beforehand who has any).
func (s *Service) applyAdditions(ctx context.Context, e *Engine, scores []*sesame.Score, only map[string]bool) error {
	if s.Additions == nil || (only != nil && len(only) == 0) {
		return nil
	}
	var who []string
	for _, sc := range scores {
		if sc != nil && (only == nil || only[sc.Person]) {
			who = append(who, sc.Person)
		}
	}
	if len(who) == 0 {
		return nil
	}
	kept, err := s.Additions.KeptAdditions(ctx, who)
	if err != nil {
		return err
	}
	for i, sc := range scores {
		adds := kept[sc.Person]
		if len(adds) == 0 || sc.Status != sesame.StatusScored {
			continue
		}
		events, err := s.PersonEvents(ctx, sc.Person, sc.AsOf)
		if err != nil {
			return err
		}
		scores[i] = e.WithAdditions(sc, events, adds)
	}
	return nil
}
