package model

import "testing"

// Comparing a model with itself changes nothing; comparing two models
// trained on different rows moves some people, and every count adds up.
func TestCompareModels(t *testing.T) {
	a, test := trainTaiwan(t, fastConfig())
	cfg := fastConfig()
	cfg.Seed, cfg.Interactions = 99, 0
	b, _ := trainTaiwan(t, cfg)
	y, err := ParseLabels(test, taiwanSpec.Label, "")
	if err != nil {
		t.Fatal(err)
	}
	ra, err := a.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	sex := make([]string, len(test.Rows))
	for i, r := range test.Rows {
		sex[i] = r[test.Column("SEX")]
	}
	cuts := []Cutoff{{Product: "card", Score: 600}, {Product: "loan", Score: 650}}
	same := Compare(a, a, ra, ra, y, cuts, map[string][]string{"SEX": sex})
	for i := range same.Migration {
		for j, v := range same.Migration[i] {
			if i != j && v != 0 {
				t.Fatalf("a model against itself moved %d people from %s to %s", v, same.Bands[i], same.Bands[j])
			}
		}
	}
	for _, ch := range same.Approvals {
		if ch.In != 0 || ch.Out != 0 || ch.ApprovalRateDelta != 0 {
			t.Fatalf("a model against itself changed approvals: %+v", ch)
		}
	}
	c := Compare(a, b, ra, rb, y, cuts, map[string][]string{"SEX": sex})
	total, moved := 0, 0
	for i := range c.Migration {
		for j, v := range c.Migration[i] {
			total += v
			if i != j {
				moved += v
			}
		}
	}
	if total != len(y) || moved == 0 {
		t.Fatalf("migration counts %d rows (want %d), %d moved", total, len(y), moved)
	}
	for _, ch := range c.Approvals {
		if ch.ApprovedB-ch.ApprovedA != ch.In-ch.Out {
			t.Fatalf("%s: approvals %d → %d but %d in, %d out", ch.Product, ch.ApprovedA, ch.ApprovedB, ch.In, ch.Out)
		}
	}
	if len(c.Fairness) != len(cuts) || c.A.AUC == c.B.AUC {
		t.Fatalf("fairness rows %d, AUC %v vs %v", len(c.Fairness), c.A.AUC, c.B.AUC)
	}
}
