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

// A pair's reason names both features as a person reads them — by their
// descriptions, values in words — and the exact points it costs.
func TestPairReasonIsASentence(t *testing.T) {
	d, err := LoadDataset(synthetic(6000, 12), DataSpec{Label: "bad", Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.Catalogue = Catalogue{"late": {Description: "Payments late in the last year."}, "income": {Description: "Monthly income. Declared or verified."}}
	m, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for p := range m.Interactions {
		tm := len(m.Features) + p
		for c := range m.NumCells(tm) {
			r := m.CellReason(tm, c)
			if r.Gap <= 0 {
				continue
			}
			checked++
			if strings.ContainsAny(r.Text, "[_") || !strings.Contains(r.Text, "together with") || !strings.Contains(r.Text, " points against") {
				t.Fatalf("pair reason %q is not a sentence", r.Text)
			}
			for _, f := range m.Interactions[p].Features {
				if f == "income" && !strings.Contains(r.Text, "monthly income (") && !strings.Contains(r.Text, "Monthly income (") {
					t.Fatalf("pair reason %q does not name income by its description", r.Text)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no pair cell costs points: the test shows nothing")
	}
}
