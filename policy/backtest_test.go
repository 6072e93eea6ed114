package policy

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// TestFastReviewBacktest runs fast_review's backtest over a population
// with people on both sides of every band edge, some of them with a hard
// stop, and outcomes known for each: every person lands in their band's
// line, the fast lane ("approve") opens exactly from very good on unless a
// hard stop sends the person to the standard lane, nobody is declined, and
// the bad counts are those of the labeler, split by lane.
func TestFastReviewBacktest(t *testing.T) {
	products, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	pol := products["fast_review"]
	asOf := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	type person struct {
		score   int // 0: not enough history
		stopped bool
		bad     bool
	}
	var people []person
	for _, s := range []int{0, 350, 549, 550, 599, 600, 649, 650, 699, 700, 950} {
		for k := range 4 {
			people = append(people, person{score: s, stopped: k == 3 && s != 0, bad: k%2 == 1})
		}
	}
	byID := map[string]person{}
	scan := func(ctx context.Context, fn func(*sesame.Score) error) error {
		for i, p := range people {
			id := fmt.Sprintf("p%03d", i)
			byID[id] = p
			sc := &sesame.Score{Person: id, Status: sesame.StatusInsufficientHistory, AsOf: asOf}
			if p.score > 0 {
				sc = &sesame.Score{Person: id, Status: sesame.StatusScored, Score: p.score, Band: sesame.BandOf(p.score), AsOf: asOf,
					Features: map[string]float64{}}
				if p.stopped {
					sc.Features["defaults"] = 1
				}
			}
			if err := fn(sc); err != nil {
				return err
			}
		}
		return nil
	}
	label := func(_ context.Context, id string, at time.Time) (bool, error) {
		if !at.Equal(asOf) {
			t.Errorf("%s labelled as of %s, want the score's as-of %s", id, at, asOf)
		}
		return byID[id].bad, nil
	}
	bt, err := pol.Backtest(context.Background(), scan, label)
	if err != nil {
		t.Fatal(err)
	}
	if bt.Product != "fast_review" || bt.Version != pol.Product.PolicyVersion || bt.People != len(people) {
		t.Fatalf("backtest of %s %s over %d people, want fast_review %s over %d", bt.Product, bt.Version, bt.People, pol.Product.PolicyVersion, len(people))
	}
	want := map[sesame.Band]BandStats{}
	add := func(b sesame.Band, p person, fast bool) {
		w := want[b]
		w.People++
		if fast {
			w.Approved++
		} else {
			w.Referred++
		}
		if p.bad {
			w.Bad++
			if fast {
				w.BadOfApproved++
			}
		}
		want[b] = w
	}
	for _, p := range people {
		if p.score == 0 {
			add("-", p, false)
			continue
		}
		add(sesame.BandOf(p.score), p, p.score >= 650 && !p.stopped)
	}
	got := append([]*BandStats{&bt.Unscored}, bt.Bands...)
	for _, g := range got {
		w := want[g.Band]
		w.Band = g.Band
		if *g != w {
			t.Errorf("band %s: %+v, want %+v", g.Band, *g, w)
		}
		if g.Declined != 0 {
			t.Errorf("band %s: %d declined; fast review only routes", g.Band, g.Declined)
		}
	}
	if len(bt.Bands) != len(sesame.Bands) {
		t.Errorf("%d band lines, want %d", len(bt.Bands), len(sesame.Bands))
	}
}
