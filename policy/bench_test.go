package policy

import (
	"testing"

	"github.com/sesame-credit/sesame"
)

// BenchmarkDecision is one decision of a typical policy (the credit card's:
// hard stops, band, income cap), in process: input building included.
func BenchmarkDecision(b *testing.B) {
	products, err := Shipped()
	if err != nil {
		b.Fatal(err)
	}
	p := products["credit_card"]
	s := &sesame.Score{Person: "p1", Status: sesame.StatusScored, Score: 672, Band: sesame.BandOf(672),
		Dimensions: []sesame.DimensionScore{{Dimension: sesame.CreditHistory, Score: 700}, {Dimension: sesame.Fulfilment, Score: 640}},
		Features:   map[string]float64{"income_monthly": 12000, "income_verified": 1, "utilisation_now": 0.3},
		Reasons:    []sesame.Reason{{Feature: "utilisation_now", Text: "High use of credit limits", PointsLost: 12}}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Evaluate(Input(s, 5000)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
