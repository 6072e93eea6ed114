package model

import (
	"strings"
	"testing"
)

func TestValuePhrase(t *testing.T) {
	for label, want := range map[string]string{
		"missing": "none recorded", "< 0.5": "under 0.5", ">= 3": "3 or more", "= 98": "exactly 98",
		"[0, 1)": "0 to under 1", "[-2, -1)": "-2 to under -1", "manager": "manager", "other": "other",
		"[0.8333333333, 0.9166666667)": "0.833 to under 0.917", ">= 11.64681725": "11.6 or more", "< 2503.806667": "under 2504",
	} {
		if got := valuePhrase(label); got != want {
			t.Errorf("valuePhrase(%q) = %q, want %q", label, got, want)
		}
	}
}

// Reasons name one feature each, never a pair, and a pair's points are
// split between its two features so that the losses add up.
func TestReasonsNameOneFeature(t *testing.T) {
	// pairData holds a real interaction (c × d), so a pair is kept on
	// merit, not by chance.
	d, err := LoadDataset(pairData(6000, 12), DataSpec{Label: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.Interactions = 6
	cfg.HoldOut = -1 // every row: the pairs this data was made to show
	m, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Interactions) == 0 {
		t.Fatal("no pairs: the test shows nothing")
	}
	split := 0
	for p, in := range m.Interactions {
		for a := range in.Points {
			for b := range in.Points[a] {
				la, lb := m.PairShares(p, a, b)
				ref := m.pairRef[p]
				if la+lb != float64(in.Points[ref[0]][ref[1]]-in.Points[a][b]) {
					t.Fatalf("%s cell (%d,%d): shares %v + %v do not make the pair's loss", in.Name, a, b, la, lb)
				}
				if la != 0 && lb != 0 {
					split++
				}
			}
		}
	}
	if split == 0 {
		t.Fatal("no cell splits its loss between both features: the test shows nothing")
	}
	rows, err := m.EncodeTable(pairData(500, 13))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rows {
		for _, r := range m.Score(x).Reasons {
			if m.Feature(r.Term) < 0 || strings.Contains(r.Text, "together with") {
				t.Fatalf("reason %+v does not name one feature", r)
			}
		}
	}
}
