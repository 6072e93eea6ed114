package simulate

import (
	"reflect"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

func TestDeterministicValidAndRich(t *testing.T) {
	a, b := New(Options{Seed: 7}), New(Options{Seed: 7})
	kinds := map[string]int{}
	total := 0
	now := time.Now()
	for i := 0; i < 2000; i++ {
		ea := a.Person(i)
		eb := b.Person(i)
		if !reflect.DeepEqual(ea, eb) {
			t.Fatalf("person %d differs between two generators with the same seed", i)
		}
		for j := range ea {
			if err := ea[j].Validate(now); err != nil {
				t.Fatalf("person %d event %d (%s): %v", i, j, ea[j].Kind, err)
			}
			if j > 0 && ea[j].OccurredAt.Before(ea[j-1].OccurredAt) {
				t.Fatalf("person %d: events out of order", i)
			}
			kinds[string(ea[j].Kind)]++
		}
		total += len(ea)
	}
	if len(kinds) < 25 {
		t.Errorf("only %d kinds of events generated: %v", len(kinds), kinds)
	}
	avg := float64(total) / 2000
	if avg < 35 || avg > 70 {
		t.Errorf("%.1f events per person; want about 50", avg)
	}
	t.Logf("%.1f events per person; kinds: %v", avg, kinds)
	if reflect.DeepEqual(New(Options{Seed: 8}).Person(3), New(Options{Seed: 7}).Person(3)) {
		t.Error("different seeds gave the same person")
	}
}

// TestApplicationsLinkedToRisk: people with two or more applications for
// credit in the six months before an as-of date go bad in the following
// year more often than people with none — somewhat, not overwhelmingly.
func TestApplicationsLinkedToRisk(t *testing.T) {
	g := New(Options{Seed: 5})
	asOf := DefaultEnd.AddDate(-1, 0, 0)
	end := DefaultEnd
	var s feature.State
	var n, bad [2]int // none, two or more
	apps := 0
	for i := 0; i < 20000; i++ {
		events := g.Person(i)
		s.Reset()
		s.ApplyVisible(events, asOf)
		k := feature.Vector(s.Features(asOf)).Map()["credit_applications_6m"]
		isBad, already := feature.AllOutcomes.Label(&s, events, asOf, end)
		if already {
			continue
		}
		for _, e := range events {
			if e.Kind == sesame.KindCreditApplied {
				apps++
			}
		}
		group := -1
		switch {
		case k == 0:
			group = 0
		case k >= 2:
			group = 1
		}
		if group < 0 {
			continue
		}
		n[group]++
		if isBad {
			bad[group]++
		}
	}
	rate := func(g int) float64 { return float64(bad[g]) / float64(max(n[g], 1)) }
	t.Logf("%.2f applications a person over 24 months; bad within a year: %.1f%% of %d with none in 6 months, %.1f%% of %d with 2 or more",
		float64(apps)/20000, 100*rate(0), n[0], 100*rate(1), n[1])
	if n[1] < 200 || rate(1) < 1.5*rate(0) || rate(1) > 0.5 {
		t.Errorf("bad rate %.3f with 2+ applications against %.3f with none (n=%d): want a clear but moderate link", rate(1), rate(0), n[1])
	}
}
