package score

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/model"
)

// tableProfiler is a Profiler over pre-made feature values: the unit under
// test here is the engine, not the feature code.
type tableProfiler struct{ names []string }

func (p tableProfiler) Names() []string { return p.names }
func (p tableProfiler) Profile(events []sesame.Event, _ time.Time) Profile {
	return Profile{Values: []float64{float64(len(events)), 0.5, 1}}
}
func (p tableProfiler) Tips(name string, current float64) []TipTarget {
	if name == "utilisation" && current > 0.1 {
		return []TipTarget{{Value: 0.1, Action: "Pay your cards down to 10% of their limits"}, {Value: 0.3, Action: "to 30%"}}
	}
	return nil
}

// trainToyModel trains a small additive model on synthetic data where late
// payments and high utilisation raise the risk.
func trainToyModel(t *testing.T) *model.Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	n := 4000
	late, util, verified, label := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		late[i] = float64(rng.IntN(5))
		util[i] = rng.Float64()
		verified[i] = float64(rng.IntN(2))
		z := -2.5 + 0.6*late[i] + 1.5*util[i] - 0.5*verified[i]
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			label[i] = 1
		}
	}
	d := &model.Dataset{Label: label, Columns: []model.Column{
		{Name: "late_payments", Type: "numeric", Num: late},
		{Name: "utilisation", Type: "numeric", Num: util},
		{Name: "identity_verified", Type: "numeric", Num: verified},
	}}
	m, err := model.Train(d, model.Config{Seed: 7, Bags: 2, MaxRounds: 300, Interactions: 0, Catalogue: model.Catalogue{
		"late_payments": {Dimension: "credit_history"}, "utilisation": {Dimension: "fulfilment"}, "identity_verified": {Dimension: "identity"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEngineExplainsEveryPoint(t *testing.T) {
	m := trainToyModel(t)
	e := NewEngine(m, "toy", tableProfiler{names: []string{"late_payments", "utilisation", "identity_verified"}})
	asOf := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	for _, values := range [][]float64{{0, 0.05, 1}, {4, 0.95, 0}, {2, 0.5, math.NaN()}, {1, 0.7, 1}} {
		s := e.ScoreProfile("p", Profile{Values: values}, asOf)
		x := e.vector(values)
		r := m.Score(x)
		if s.Score != r.Score || s.Band != sesame.BandOf(r.Score) {
			t.Fatalf("%v: score %d band %s, model says %d", values, s.Score, s.Band, r.Score)
		}
		// Reasons are exactly the model's largest gaps to the best bin.
		for i, rs := range s.Reasons {
			f := m.Feature(rs.Feature)
			if want := m.BestPoints(f) - r.Points[f]; int(rs.PointsLost) != want || want <= 0 {
				t.Errorf("%v: reason %s lost %v points, tables say %d", values, rs.Feature, rs.PointsLost, want)
			}
			if i > 0 && rs.PointsLost > s.Reasons[i-1].PointsLost {
				t.Errorf("%v: reasons not in decreasing order", values)
			}
		}
		// Dimension points sum to the unclamped score.
		sum := 0.0
		for _, d := range s.Dimensions {
			sum += d.Points
			if d.Score < sesame.MinScore || d.Score > sesame.MaxScore {
				t.Errorf("dimension %s sub-score %d off scale", d.Dimension, d.Score)
			}
		}
		if int(sum) != r.Unclamped {
			t.Errorf("%v: dimension points sum to %v, score is %d", values, sum, r.Unclamped)
		}
		// A tip's gain is exactly the change in score when the value is applied.
		for _, tip := range s.Tips {
			changed := append([]float64(nil), values...)
			changed[1] = tip.Target
			after := e.ScoreProfile("p", Profile{Values: changed}, asOf)
			if after.Score-s.Score != tip.Gain || tip.Gain <= 0 {
				t.Errorf("%v: tip %q promises %d, applying it gives %d", values, tip.Action, tip.Gain, after.Score-s.Score)
			}
		}
		// A what-if with no change moves nothing.
		same, err := e.WhatIf("p", Profile{Values: values}, asOf, map[string]float64{})
		if err != nil || same.Score != s.Score {
			t.Errorf("%v: what-if with no change: %v, %v", values, same, err)
		}
	}
	if _, err := e.WhatIf("p", Profile{Values: []float64{0, 0, 0}}, asOf, map[string]float64{"shoe_size": 42}); sesame.ErrorCode(err) != sesame.EINVALID {
		t.Errorf("what-if on an unknown feature: %v", err)
	}
	high := e.ScoreProfile("p", Profile{Values: []float64{4, 0.95, 0}}, asOf)
	if len(high.Tips) == 0 || high.Tips[0].Feature != "utilisation" {
		t.Errorf("a highly utilised profile gets no utilisation tip: %+v", high.Tips)
	}
}

func TestEngineRefusesThinHistory(t *testing.T) {
	e := NewEngine(trainToyModel(t), "toy", tableProfiler{names: []string{"late_payments", "utilisation", "identity_verified"}})
	s := e.ScoreProfile("p", Profile{Values: []float64{0, 0, 0}, Missing: []string{"no credit or payment history yet"}}, time.Now())
	if s.Status != sesame.StatusInsufficientHistory || s.Score != 0 || s.Band != "" || len(s.Missing) != 1 {
		t.Fatalf("thin history scored: %+v", s)
	}
}
