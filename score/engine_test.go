package score

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
)

// tableProfiler is a Profiler over pre-made feature values: the unit under
// test here is the engine, not the feature code.
type tableProfiler struct{ names []string }

func (p tableProfiler) Names() []string { return p.names }
func (p tableProfiler) Profile(events []sesame.Event, _ time.Time) Profile {
	return Profile{Values: []float64{float64(len(events)), 0.5, 1}}
}
func (p tableProfiler) Tips(i int, current float64) []TipTarget {
	if p.names[i] == "utilisation" && current > 0.1 {
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
		x := modelVector(e, values)
		r := m.Score(x)
		if s.Score != r.Score || s.Band != sesame.BandOf(r.Score) {
			t.Fatalf("%v: score %d band %s, model says %d", values, s.Score, s.Band, r.Score)
		}
		// Only features with a reason code give reasons (of the toy's,
		// identity_verified), each losing exactly its gap to the best bin
		// (the toy has no pairs).
		for _, rs := range s.Reasons {
			f := m.Feature(rs.Feature)
			if want := m.BestPoints(f) - r.Points[f]; rs.Feature != "identity_verified" || rs.Code != "R29" || int(rs.PointsLost) != want || want <= 0 {
				t.Errorf("%v: reason %+v; want identity_verified losing %d", values, rs, want)
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

// modelVector resolves a profile to the model's feature order, the
// straightforward way: by name.
func modelVector(e *Engine, values []float64) model.Vector {
	names := e.profiler.Names()
	x := make(model.Vector, len(e.model.Features))
	for i, f := range e.model.Features {
		x[i] = math.NaN()
		for c, n := range names {
			if n == f.Name && c < len(values) {
				x[i] = values[c]
			}
		}
	}
	return x
}

// referenceScore is ScoreProfile computed the straightforward way, from the
// model's public tables with nothing precomputed: every term's points by
// its own bin lookup, reasons by sorting every term's gap, their texts
// formatted afresh, and every tip priced by rescoring the whole vector
// with the change applied.
func referenceScore(e *Engine, person string, p Profile, asOf time.Time) *sesame.Score {
	m := e.model
	names := e.profiler.Names()
	s := &sesame.Score{Person: person, ModelVersion: e.version, AsOf: asOf.UTC(), Features: map[string]float64{}, DataAsOf: p.DataAsOf}
	for i, v := range p.Values {
		if !math.IsNaN(v) {
			s.Features[names[i]] = v
		}
	}
	if len(p.Missing) > 0 {
		s.Status, s.Missing = sesame.StatusInsufficientHistory, p.Missing
		return s
	}
	x := modelVector(e, p.Values)
	points := func(x model.Vector) []int {
		out := make([]int, 0, m.NumTerms())
		for i := range m.Features {
			f := &m.Features[i]
			out = append(out, f.Bins[f.Bin(x[i])].Points)
		}
		for _, in := range m.Interactions {
			a := in.Axes[0].Bin(x[m.Feature(in.Features[0])])
			b := in.Axes[1].Bin(x[m.Feature(in.Features[1])])
			out = append(out, in.Points[a][b])
		}
		return out
	}
	clamp := func(pts []int) int {
		sum := 0
		for _, p := range pts {
			sum += p
		}
		return min(max(sum, m.Scaling.Min), m.Scaling.Max)
	}
	termDim := func(t int) sesame.Dimension {
		if t >= len(m.Features) {
			t = m.Feature(m.Interactions[t-len(m.Features)].Features[0])
		}
		return sesame.Dimension(m.Features[t].Dimension)
	}
	pts := points(x)
	s.Status, s.Score = sesame.StatusScored, clamp(pts)
	s.Band = sesame.BandOf(s.Score)

	// Dimensions: with training medians, the median score plus the
	// dimension's distance from its median points; without, each
	// dimension's points between the fewest and most its terms allow.
	for _, d := range sesame.Dimensions {
		sum, lo, hi, terms, absent := 0, 0, 0, 0, 0
		for t, p := range pts {
			if termDim(t) != d {
				continue
			}
			terms++
			if t < len(m.Features) && m.TermCell(x, t) == m.NeutralBin(t) {
				absent++ // an opt-in signal not given
			}
			sum += p
			var cells []int
			if t < len(m.Features) {
				for _, b := range m.Features[t].Bins {
					cells = append(cells, b.Points)
				}
			} else {
				for _, row := range m.Interactions[t-len(m.Features)].Points {
					cells = append(cells, row...)
				}
			}
			lo, hi = lo+slices.Min(cells), hi+slices.Max(cells)
		}
		sub := (sesame.MinScore + sesame.MaxScore) / 2
		switch {
		case m.Medians != nil && (terms == 0 || absent > 0 && absent == terms):
			sub = m.Medians.Score
		case m.Medians != nil:
			sub = sesame.ClampScore(int(math.Round(float64(m.Medians.Score) + float64(sum) - m.Medians.Dimensions[string(d)])))
		case hi > lo && !(absent > 0 && absent == terms):
			sub = sesame.ClampScore(int(float64(sesame.MinScore) + float64(sum-lo)/float64(hi-lo)*float64(sesame.MaxScore-sesame.MinScore) + 0.5))
		}
		s.Dimensions = append(s.Dimensions, sesame.DimensionScore{Dimension: d, Score: sub, Points: float64(sum)})
	}

	// Reasons: the points each feature loses (the model's Shapley
	// attribution), summed per reason code, the largest codes first (ties
	// in the order the model's features meet them), each quoting its
	// feature that lost the most.
	loss := m.FeatureLosses(x, nil)
	type group struct {
		code string
		lost float64
		rep  int
	}
	var groups []*group
	byCode := map[string]*group{}
	for i, f := range m.Features {
		code := feature.ReasonCodeOf(f.Name)
		if code == "" || f.NoReason {
			continue
		}
		g := byCode[code]
		if g == nil {
			g = &group{code: code, rep: i}
			byCode[code] = g
			groups = append(groups, g)
		}
		g.lost += loss[i]
		if loss[i] > loss[g.rep] {
			g.rep = i
		}
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].lost > groups[j].lost })
	s.Reasons = []sesame.Reason{}
	give := func(g *group) {
		name := m.Features[g.rep].Name
		value := feature.FormatValue(name, x[g.rep])
		s.Reasons = append(s.Reasons, sesame.Reason{Code: g.code, Feature: name, Dimension: sesame.Dimension(m.Features[g.rep].Dimension),
			Text: feature.ReasonSentence(name, value, "en"), Value: value, PointsLost: g.lost})
	}
	for k, g := range groups {
		if g.lost <= 1e-9 {
			break
		}
		if k < sesame.MaxReasons {
			give(g)
		} else if g.code == sesame.ReasonInquiries {
			give(g) // recent applications, fifth: they cost points and were not in the top four
			break
		}
	}

	// Tips: each feature's best target priced by a full rescore; first the
	// best tip answering each reason's code, then the largest gains.
	var cands []sesame.Tip
	for i, f := range m.Features {
		c := slices.Index(names, f.Name)
		if c < 0 {
			continue
		}
		best := sesame.Tip{}
		for _, t := range e.profiler.Tips(c, x[i]) {
			y := slices.Clone(x)
			y[i] = t.Value
			if gain := clamp(points(y)) - s.Score; gain > best.Gain {
				best = sesame.Tip{Feature: f.Name, Code: feature.ReasonCodeOf(f.Name), Action: t.Action, Gain: gain, Target: t.Value,
					Goal: feature.FormatValue(f.Name, t.Value)}
			}
		}
		if best.Gain > 0 {
			if f.NoReason {
				best.Code = ""
			}
			cands = append(cands, best)
		}
	}
	order := slices.Clone(cands)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Gain > order[j].Gain })
	var chosen []sesame.Tip
	for _, r := range s.Reasons {
		for _, t := range order {
			if t.Code == r.Code && !slices.Contains(chosen, t) {
				chosen = append(chosen, t)
				break
			}
		}
	}
	for _, t := range order {
		if len(chosen) < MaxTips && !slices.Contains(chosen, t) {
			chosen = append(chosen, t)
		}
	}
	chosen = chosen[:min(len(chosen), max(MaxTips, len(s.Reasons)))]
	sort.SliceStable(chosen, func(i, j int) bool {
		if chosen[i].Gain != chosen[j].Gain {
			return chosen[i].Gain > chosen[j].Gain
		}
		return m.Feature(chosen[i].Feature) < m.Feature(chosen[j].Feature)
	})
	if len(chosen) > 0 {
		s.Tips = chosen
	}
	return s
}

// TestEngineMatchesReference scores the simulated population with the
// engine and the straightforward computation and wants the same result to
// the last field; then applies every tip and wants the promised gain.
func TestEngineMatchesReference(t *testing.T) {
	shipped, _, _ := simulatedFixture(t)
	t.Run("shipped", func(t *testing.T) { matchReference(t, shipped) })
	free, _, _ := freeFixture(t)
	if len(free.model.Interactions) == 0 {
		t.Fatal("the free model has no pairs: the test would not cover them")
	}
	t.Run("pairs", func(t *testing.T) { matchReference(t, free) })
}

func matchReference(t *testing.T, e *Engine) {
	_, profiles, asOf := simulatedFixture(t)
	tips, pairShares := 0, 0
	for n, p := range profiles {
		got, want := e.ScoreProfile("p", p, asOf), referenceScore(e, "p", p, asOf)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("person %d:\n got %+v\nwant %+v", n, got, want)
		}
		if r := e.model.Score(modelVector(e, p.Values)); got.Status == sesame.StatusScored && r.Score != got.Score {
			t.Fatalf("person %d: score %d, model.Score says %d", n, got.Score, r.Score)
		}
		for _, rs := range got.Reasons {
			if strings.Contains(rs.Feature, " × ") || rs.Code == "" {
				t.Fatalf("person %d: reason %+v names a pair or has no code", n, rs)
			}
			if f := e.model.Feature(rs.Feature); f >= 0 && rs.PointsLost != float64(e.model.BestPoints(f)-e.model.CellPoints(f, e.model.TermCell(modelVector(e, p.Values), f))) {
				pairShares++ // the reason's points include pair shares or other features of its code
			}
		}
		for _, tip := range got.Tips {
			after, err := e.WhatIf("p", p, asOf, map[string]float64{tip.Feature: tip.Target})
			if err != nil {
				t.Fatal(err)
			}
			if after.Score-got.Score != tip.Gain {
				t.Errorf("person %d: tip %q promises %d, applying it gives %d", n, tip.Action, tip.Gain, after.Score-got.Score)
			}
			tips++
		}
	}
	if tips == 0 || pairShares == 0 {
		t.Errorf("%d tips and %d reasons beyond one main effect in %d people: the test does not cover them", tips, pairShares, len(profiles))
	}
}

// TestBinTableMatchesModel looks up every cut, its neighbours, the points
// between cuts, random values in their range, every special value and the
// edge cases in the engine's bin tables and in the model's Binning.Bin, for
// every feature and pair axis of the simulated model and a few made-up
// binnings (categorical, no cuts, skewed, wider than a float's range).
func TestBinTableMatchesModel(t *testing.T) {
	e, _, _ := simulatedFixture(t)
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(what string, b *model.Binning) {
		values := []float64{math.NaN(), math.Inf(-1), math.Inf(1), -1e300, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 1e300}
		for _, x := range append(slices.Clone(b.Cuts), b.Specials...) {
			values = append(values, x, math.Nextafter(x, math.Inf(-1)), math.Nextafter(x, math.Inf(1)), x-0.5, x+0.5)
		}
		for k := 1; k < len(b.Cuts); k++ {
			values = append(values, (b.Cuts[k-1]+b.Cuts[k])/2)
		}
		if n := len(b.Cuts); n > 0 {
			for range 1000 { // anywhere in the cuts' range
				values = append(values, b.Cuts[0]+rng.Float64()*(b.Cuts[n-1]-b.Cuts[0]))
			}
		}
		bt := newBinTable(b)
		for _, x := range values {
			if got, want := bt.bin(x), b.Bin(x); got != want {
				t.Errorf("%s at %v: bin %d, the model says %d", what, x, got, want)
			}
		}
	}
	for i := range e.model.Features {
		check(e.model.Features[i].Name, &e.model.Features[i].Binning)
	}
	for _, in := range e.model.Interactions {
		check(in.Name+" axis 0", &in.Axes[0])
		check(in.Name+" axis 1", &in.Axes[1])
	}
	check("categorical", &model.Binning{Type: "categorical", Levels: []string{"a", "b", "c"}})
	check("no cuts", &model.Binning{Type: "numeric"})
	check("one cut and specials", &model.Binning{Type: "numeric", Cuts: []float64{0.5}, Specials: []float64{-1, 96}})
	skewed := &model.Binning{Type: "numeric"} // cuts spread over orders of magnitude
	for k := range 40 {
		skewed.Cuts = append(skewed.Cuts, math.Pow(10, float64(k)/4))
	}
	check("skewed", skewed)
	wide := &model.Binning{Type: "numeric"} // a range wider than a float holds
	for k := range 20 {
		wide.Cuts = append(wide.Cuts, -math.MaxFloat64+float64(k)*math.MaxFloat64/10)
	}
	check("wide", wide)
}

// TestEngineConcurrent scores the same people from several goroutines on a
// fresh engine, so that the reason cache fills under contention (run with
// -race), and wants the sequential results.
func TestEngineConcurrent(t *testing.T) {
	shared, profiles, asOf := simulatedFixture(t)
	e := NewEngine(shared.model, "fresh", shared.profiler)
	want := make([]*sesame.Score, len(profiles))
	for i, p := range profiles {
		want[i] = shared.ScoreProfile("p", p, asOf)
		want[i].ModelVersion = "fresh"
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, p := range profiles {
				if got := e.ScoreProfile("p", p, asOf); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("person %d scored concurrently:\n got %+v\nwant %+v", i, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// The connections dimension is opt-in: a person who gave no vouches is
// scored there as the average person and is never told "few vouches", in a
// model trained the way `sesame model train` trains (ModelCatalogue).
func TestAbsentConnectionsAreNeutral(t *testing.T) {
	e, profiles, asOf := simulatedFixture(t)
	m := e.Model()
	var connections []int
	for i, f := range m.Features {
		if f.Dimension == string(sesame.Connections) {
			connections = append(connections, i)
			if !f.NeutralMissing || f.Bins[f.MissingBin()].Logit != 0 {
				t.Fatalf("%s: neutral %v, missing bin %+v; want neutral with logit 0", f.Name, f.NeutralMissing, f.Bins[f.MissingBin()])
			}
		}
	}
	if len(connections) == 0 {
		t.Fatal("the model has no connections feature: the test shows nothing")
	}
	absent := 0
	for n, p := range profiles {
		s := e.ScoreProfile(fmt.Sprintf("p%d", n), p, asOf)
		if s.Status != sesame.StatusScored {
			continue
		}
		none := true
		for _, i := range connections {
			if v := p.Values[e.column[i]]; v == v {
				none = false
			}
		}
		if !none {
			continue
		}
		absent++
		for _, r := range s.Reasons {
			if r.Dimension == sesame.Connections {
				t.Fatalf("person without vouches told %q", r.Text)
			}
		}
		for _, d := range s.Dimensions {
			if d.Dimension == sesame.Connections && d.Score != m.Medians.Score {
				t.Fatalf("person without vouches has connections at %d, want the median score %d", d.Score, m.Medians.Score)
			}
		}
	}
	if absent == 0 {
		t.Fatal("nobody without vouches among the fixture's people: the test shows nothing")
	}
}

// TestInquiriesComeFifth: recent applications for credit are the one code
// that may follow the top four — only when they cost points and are not
// among them — and every other score has at most four reasons.
func TestInquiriesComeFifth(t *testing.T) {
	e, profiles, asOf := simulatedFixture(t)
	if e.model.Feature("credit_applications_6m") < 0 {
		t.Fatal("the fixture model has no credit_applications_6m: the test would prove nothing")
	}
	fifth, inTop, costing := 0, 0, 0
	for n, p := range profiles {
		s := e.ScoreProfile(fmt.Sprint(n), p, asOf)
		if s.Status != sesame.StatusScored {
			continue
		}
		i := slices.IndexFunc(s.Reasons, func(r sesame.Reason) bool { return r.Code == sesame.ReasonInquiries })
		switch {
		case len(s.Reasons) > sesame.MaxReasons+1:
			t.Fatalf("person %d: %d reasons", n, len(s.Reasons))
		case len(s.Reasons) == sesame.MaxReasons+1:
			if i != sesame.MaxReasons || s.Reasons[i].PointsLost <= 0 || s.Reasons[i].PointsLost > s.Reasons[i-1].PointsLost {
				t.Fatalf("person %d: a fifth reason that is not applications costing less than the fourth: %+v", n, s.Reasons)
			}
			fifth++
		case i >= 0:
			inTop++
		}
		if i >= 0 {
			costing++
			if s.Reasons[i].Feature != "credit_applications_6m" || !strings.Contains(s.Reasons[i].Text, s.Reasons[i].Value) {
				t.Fatalf("person %d: %+v", n, s.Reasons[i])
			}
		}
		// Where applications cost points at all, they are among the reasons.
		x := e.model.Feature("credit_applications_6m")
		if lost := float64(e.best[x] - e.features[x].points[e.features[x].bins.bin(e.value(p.Values, x))]); lost > 1e-9 && i < 0 && len(e.model.Interactions) == 0 {
			t.Fatalf("person %d: applications cost %.0f points and are no reason: %+v", n, lost, s.Reasons)
		}
	}
	t.Logf("%d people: applications a reason for %d, fifth for %d, in the top four for %d", len(profiles), costing, fifth, inTop)
	if fifth == 0 || inTop == 0 {
		t.Errorf("applications fifth for %d, in the top four for %d: the fixture covers neither case", fifth, inTop)
	}
}
