package model

import (
	"strings"
	"testing"
)

func TestCatalogueSetsDimensionsAndReasonTexts(t *testing.T) {
	cfg := fastConfig()
	cfg.Catalogue = Catalogue{
		"PAY_0":     {Dimension: "credit_history", Description: "Latest repayment status", Reason: "Your latest repayment was %s months late"},
		"LIMIT_BAL": {Dimension: "behaviour", Description: "Credit line"},
	}
	m, test := trainTaiwan(t, cfg)
	pay0 := m.Features[m.Feature("PAY_0")]
	if pay0.Dimension != "credit_history" || pay0.Description != "Latest repayment status" {
		t.Fatalf("PAY_0 catalogue entry not applied: %+v", pay0)
	}
	// Unknown features get a guess from their names.
	if d := m.Features[m.Feature("AGE")].Dimension; d != "identity" {
		t.Errorf("AGE guessed as %q, want identity", d)
	}
	if d := m.Features[m.Feature("PAY_AMT1")].Dimension; d != "fulfilment" {
		t.Errorf("PAY_AMT1 guessed as %q, want fulfilment", d)
	}
	rows, err := m.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range rows {
		for _, rs := range m.Score(x).Reasons {
			if rs.Term == "PAY_0" {
				found = true
				if !strings.HasPrefix(rs.Text, "Your latest repayment was ") || !strings.Contains(rs.Text, rs.Value) {
					t.Fatalf("reason text %q does not use the catalogue's template with value %q", rs.Text, rs.Value)
				}
			}
		}
	}
	if !found {
		t.Fatal("no row had PAY_0 among its reasons")
	}
	m.Describe(Catalogue{"AGE": {Dimension: "behaviour"}})
	if d := m.Features[m.Feature("AGE")].Dimension; d != "behaviour" {
		t.Fatalf("Describe did not change AGE's dimension: %q", d)
	}
}

func TestUnitWeightsTrainTheSameModel(t *testing.T) {
	train, _ := taiwan(t)
	weighted := &Dataset{}
	d, err := LoadDataset(train, taiwanSpec)
	if err != nil {
		t.Fatal(err)
	}
	*weighted = *d
	weighted.Weight = make([]float64, d.Rows())
	for i := range weighted.Weight {
		weighted.Weight[i] = 1
	}
	a, err := Train(d, fastConfig())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(weighted, fastConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range a.Features {
		for k, bin := range f.Bins {
			if bin.Points != b.Features[i].Bins[k].Points {
				t.Fatalf("%s bin %s: %d points unweighted, %d with unit weights", f.Name, bin.Label, bin.Points, b.Features[i].Bins[k].Points)
			}
		}
	}
}
