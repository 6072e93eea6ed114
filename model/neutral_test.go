package model

import (
	"math"
	"testing"
)

// A feature whose absence is no evidence (opt-in signals such as vouches)
// is anchored at its missing bin: there it scores logit 0 — the points any
// term gives the average person — and is never a reason, although in the
// synthetic data a missing income does go with more bad outcomes. Anchoring
// only moves the term's constant into the intercept, so no probability
// changes.
func TestNeutralMissingIsZeroAndNeverAReason(t *testing.T) {
	tab := synthetic(6000, 11)
	d, err := LoadDataset(tab, DataSpec{Label: "bad", Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.Interactions = 0
	plain, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Catalogue = Catalogue{"income": {NeutralMissing: true}}
	neutral, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	i := neutral.Feature("income")
	f := &neutral.Features[i]
	miss := f.MissingBin()
	if !f.NeutralMissing || f.Bins[miss].Logit != 0 || f.Bins[miss].Count == 0 {
		t.Fatalf("neutral income: flag %v, missing bin %+v; want logit 0 with rows in it", f.NeutralMissing, f.Bins[miss])
	}
	if pm := plain.Features[i].Bins[miss].Points; pm >= plain.BestPoints(i) {
		t.Fatalf("the data should make a missing income cost points in the plain model (missing %d, best %d)", pm, plain.BestPoints(i))
	}
	xs, err := neutral.EncodeTable(tab)
	if err != nil {
		t.Fatal(err)
	}
	missing, reasonsSeen := 0, 0
	for _, x := range xs {
		a, b := plain.Score(x), neutral.Score(x)
		if math.Abs(a.Probability-b.Probability) > 1e-9 {
			t.Fatalf("anchoring changed a prediction: %v → %v", a.Probability, b.Probability)
		}
		if x[i] == x[i] { // not missing
			continue
		}
		missing++
		for _, r := range b.Reasons {
			if r.Term == "income" {
				t.Fatalf("a missing neutral feature gave a reason: %+v", r)
			}
		}
		for _, r := range a.Reasons {
			if r.Term == "income" {
				reasonsSeen++
			}
		}
		if c := neutral.CellReason(i, miss); c.Gap != 0 {
			t.Fatalf("CellReason of the neutral bin: %+v, want gap 0", c)
		}
	}
	if missing == 0 || reasonsSeen == 0 {
		t.Fatalf("%d rows with income missing, %d reasons for it in the plain model: the test shows nothing", missing, reasonsSeen)
	}
}

// Neutral features stay out of pairs: a pair could make absence count again.
func TestNeutralMissingTakesNoPairs(t *testing.T) {
	d, err := LoadDataset(synthetic(6000, 12), DataSpec{Label: "bad", Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.Interactions = 3
	cfg.Catalogue = Catalogue{"income": {NeutralMissing: true}}
	m, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Interactions) == 0 {
		t.Fatal("no pairs at all: the test shows nothing")
	}
	for _, in := range m.Interactions {
		if in.Features[0] == "income" || in.Features[1] == "income" {
			t.Fatalf("pair %v includes the neutral feature", in.Features)
		}
	}
}
