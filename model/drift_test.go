package model

import (
	"math"
	"testing"
)

// The PSI of a population shifted towards more late payments crosses the
// alert threshold, and so does the CSI of the input that moved; a fresh
// sample of the training population stays below it on every measure.
func TestDriftFlagsAShiftedPopulation(t *testing.T) {
	d, err := LoadDataset(population(5000, 1), DataSpec{Label: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(d, fastConfig())
	if err != nil {
		t.Fatal(err)
	}
	if m.ScoreBaseline == nil || len(m.ScoreBaseline.Cuts) < 5 {
		t.Fatalf("score baseline %+v: too few deciles", m.ScoreBaseline)
	}
	measure := func(shift bool) Drift {
		fresh := population(5000, 77)
		late := fresh.Column("late")
		rows, err := m.EncodeTable(fresh)
		if err != nil {
			t.Fatal(err)
		}
		c := m.NewDrift()
		for i, x := range rows {
			if shift && fresh.Rows[i][late] == "0" {
				x[m.Feature("late")] = 2 // most people on time move to two late payments
			}
			c.Count(x, m.Score(x).Score)
		}
		return c.Drift()
	}
	same, shifted := measure(false), measure(true)
	if math.IsNaN(same.Score) || same.Score >= PSIAlert {
		t.Errorf("unshifted population: score PSI %.4f, want below %g", same.Score, PSIAlert)
	}
	for f, csi := range same.Features {
		if csi >= PSIAlert {
			t.Errorf("unshifted population: %s CSI %.4f, want below %g", f, csi, PSIAlert)
		}
	}
	if shifted.Score <= PSIAlert {
		t.Errorf("shifted population: score PSI %.4f, want above %g", shifted.Score, PSIAlert)
	}
	if shifted.Features["late"] <= PSIAlert || shifted.Features["utilisation"] >= PSIAlert {
		t.Errorf("shifted population: CSI late %.4f (want above %g), utilisation %.4f (want below)",
			shifted.Features["late"], PSIAlert, shifted.Features["utilisation"])
	}
	t.Logf("score PSI %.4f unshifted, %.4f shifted; late CSI %.4f → %.4f", same.Score, shifted.Score, same.Features["late"], shifted.Features["late"])
}
