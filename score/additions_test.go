package score

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/simulate"
)

// TestSelfAddedRuleOverManyPeople is the self-added rule as a property,
// on the simulated fixture's model and people it never saw. Each person
// gets a random set of additions — bill accounts paid on time or late,
// verified facts, and the whole history of another simulated person, with
// its defaults and unpaid rentals, passed off as one — added in a random
// order and removed in another. Every addition leaves the score at or
// above where it was, every removal at or below, the score depends only on
// the set kept, not on the order it was built in, and once everything is
// removed the score is the one from before, to the last field.
func TestSelfAddedRuleOverManyPeople(t *testing.T) {
	e, _, asOf := simulatedFixture(t)
	g := simulate.New(simulate.Options{Seed: fixtureSeed})
	rng := rand.New(rand.NewPCG(24, 24))
	ctx := context.Background()
	const people = 120
	var scored, additions, raised, wouldLower int
	for i := range people {
		person := fmt.Sprintf("q%05d", i)
		events := g.Person(2_000_000 + i)
		for k := range events {
			events[k].Person = person
		}
		base := e.Score(person, events, asOf)
		if base.Status == sesame.StatusScored {
			scored++
		}
		// Up to MaxKeptAdditions for some, fewer for most: each one more
		// doubles the scorings.
		n := 1 + rng.IntN(4)
		if i%10 == 0 {
			n = MaxKeptAdditions
		}
		adds := make([]*sesame.Addition, n)
		for k := range adds {
			adds[k] = randomAddition(ctx, t, rng, g, person, k, asOf)
			additions++
			if base.Status == sesame.StatusScored && naiveScore(e, base, events, adds[k]) < base.Score {
				wouldLower++
			}
		}
		// Added one by one, in a random order.
		prev := base
		var kept []*sesame.Addition
		for _, k := range rng.Perm(n) {
			kept = append(kept, adds[k])
			s := e.WithAdditions(base, events, kept)
			if s.Status != base.Status || s.Score < prev.Score {
				t.Fatalf("%s: adding %q took %d (%s) to %d (%s)", person, adds[k].Label, prev.Score, prev.Status, s.Score, s.Status)
			}
			if s.Score > base.Score {
				if s.SelfAddedPoints != s.Score-base.Score || len(s.SelfAdded) == 0 {
					t.Fatalf("%s: %d points above the base without naming them: %+v %d", person, s.Score-base.Score, s.SelfAdded, s.SelfAddedPoints)
				}
				for _, a := range s.SelfAdded {
					if !containsAddition(kept, a.ID) {
						t.Fatalf("%s: the score names %s, which is not kept", person, a.ID)
					}
				}
			} else if !reflect.DeepEqual(s, base) {
				t.Fatalf("%s: no points gained, yet the score differs from the base:\n got %+v\nwant %+v", person, s, base)
			}
			if s.Score > prev.Score {
				raised++
			}
			prev = s
		}
		full := prev
		// The same set built in another order scores the same.
		var shuffled []*sesame.Addition
		for _, k := range rng.Perm(n) {
			shuffled = append(shuffled, adds[k])
		}
		if s := e.WithAdditions(base, events, shuffled); s.Score != full.Score || s.SelfAddedPoints != full.SelfAddedPoints {
			t.Fatalf("%s: the same additions in another order: %d, want %d", person, s.Score, full.Score)
		}
		// Removed one by one, in another random order: marked removed,
		// as the store does, rather than dropped from the list.
		now := make([]*sesame.Addition, n)
		for k, a := range kept {
			c := *a
			now[k] = &c
		}
		for _, k := range rng.Perm(n) {
			now[k].RemovedAt = asOf.Add(-time.Minute)
			s := e.WithAdditions(base, events, now)
			if s.Score > prev.Score {
				t.Fatalf("%s: removing %q raised the score from %d to %d", person, now[k].Label, prev.Score, s.Score)
			}
			if s.Score < base.Score {
				t.Fatalf("%s: removing %q went below the base: %d < %d", person, now[k].Label, s.Score, base.Score)
			}
			prev = s
		}
		if !reflect.DeepEqual(prev, base) {
			t.Fatalf("%s: after removing every addition:\n got %+v\nwant %+v", person, prev, base)
		}
		// An addition made after the as-of time does not count yet.
		late := *adds[0]
		late.AddedAt = asOf.Add(time.Second)
		if s := e.WithAdditions(base, events, []*sesame.Addition{&late}); !reflect.DeepEqual(s, base) {
			t.Fatalf("%s: an addition from after the as-of time counted", person)
		}
	}
	if scored < people/2 || raised == 0 || wouldLower == 0 {
		t.Fatalf("the test proves little: %d of %d people scored, %d additions raised a score, %d would have lowered one", scored, people, raised, wouldLower)
	}
	t.Logf("%d people (%d scored), %d additions: %d raised a score, %d would have lowered one scored naively and did not", people, scored, additions, raised, wouldLower)
}

// randomAddition is one of the kinds a person may add, with the events a
// source would vouch for; one kind in four is another person's whole
// history, far from what any real source sends, to try the rule on
// events that lower a score.
func randomAddition(ctx context.Context, t *testing.T, rng *rand.Rand, g *simulate.Generator, person string, k int, asOf time.Time) *sesame.Addition {
	t.Helper()
	a := &sesame.Addition{ID: fmt.Sprintf("add_%s_%d", person, k), Person: person, Source: "test", AddedAt: asOf.Add(-time.Duration(1+rng.IntN(1000)) * time.Minute)}
	var req sesame.AdditionRequest
	switch rng.IntN(4) {
	case 0:
		other := g.Person(3_000_000 + rng.IntN(1_000_000))
		for i := range other {
			other[i].Person = person
		}
		a.Kind, a.Label, a.Events = sesame.AdditionVerifiedFact, "another person's history", other
		return a
	case 1:
		req = sesame.AdditionRequest{Kind: sesame.AdditionVerifiedFact, Fact: []string{"identity", "education:bachelor", "education:secondary", "employment:unemployed", "employment:employed"}[rng.IntN(5)]}
	default:
		cats := []string{"electricity", "water", "phone", "tv", "gas"}
		req = sesame.AdditionRequest{Kind: sesame.AdditionBillAccount, Account: fmt.Sprintf("%s-%d", cats[rng.IntN(len(cats))], rng.IntN(10000))}
	}
	req.Source = "test"
	label, events, err := simulate.Voucher{Late: rng.Float64()}.Vouch(ctx, person, req, a.AddedAt)
	if err != nil {
		t.Fatalf("%+v: %v", req, err)
	}
	a.Kind, a.Label, a.Events = req.Kind, label, events
	return a
}

// naiveScore is the score with the addition's events simply added to the
// ledger's, without the rule.
func naiveScore(e *Engine, base *sesame.Score, events []sesame.Event, a *sesame.Addition) int {
	all := append(append([]sesame.Event(nil), events...), a.Events...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].OccurredAt.Before(all[j].OccurredAt) })
	return e.Score(base.Person, all, base.AsOf).Score
}

func containsAddition(adds []*sesame.Addition, id string) bool {
	for _, a := range adds {
		if a.ID == id {
			return true
		}
	}
	return false
}
