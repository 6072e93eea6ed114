// Package score is the score service: it folds a person's events into
// features (package feature), scores them with the active model (package
// model), and turns the result into what people and partners see — a
// 350–950 score, its band, five dimension sub-scores, exact reasons and tips —
// then stores it with its history and keeps it fresh.
package score

import (
	"math"
	"sort"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
)

// Profile is what a Profiler says about a person as of a time.
type Profile struct {
	// Values holds the features in the profiler's Names order (NaN = missing).
	Values []float64
	// Missing is empty when the history supports a score; otherwise it says,
	// in words a person understands, what is lacking.
	Missing []string
}

// Profiler computes a person's features from their events as of a time. The
// feature package implements it; the same code builds training sets.
type Profiler interface {
	Names() []string
	Profile(events []sesame.Event, asOf time.Time) Profile
	// Tips returns the values of feature name the person could reach by
	// their own action, each with a sentence saying how, for the current value.
	Tips(name string, current float64) []TipTarget
}

// TipTarget is a value a person can bring a feature to, and how.
type TipTarget struct {
	Value  float64
	Action string
}

// Engine scores profiles with one model version. It is immutable and safe
// for concurrent use; a new model version gets a new Engine.
type Engine struct {
	model    *model.Model
	version  string
	profiler Profiler
	// column[i] is the profile position of model feature i (−1: not profiled,
	// always missing).
	column []int
	// position maps a profile feature name to its place in Profile.Values.
	position map[string]int
	// dimRange holds, per dimension, the fewest and most points its terms allow.
	dimRange map[string][2]int
}

// NewEngine binds a model to a profiler.
func NewEngine(m *model.Model, version string, p Profiler) *Engine {
	e := &Engine{model: m, version: version, profiler: p, column: make([]int, len(m.Features)), dimRange: map[string][2]int{}}
	pos := map[string]int{}
	for i, n := range p.Names() {
		pos[n] = i
	}
	e.position = pos
	for i, f := range m.Features {
		c, ok := pos[f.Name]
		if !ok {
			c = -1
		}
		e.column[i] = c
		lo, hi := pointsRange(f.Bins)
		r := e.dimRange[f.Dimension]
		e.dimRange[f.Dimension] = [2]int{r[0] + lo, r[1] + hi}
	}
	for _, in := range m.Interactions {
		lo, hi := math.MaxInt, math.MinInt
		for _, row := range in.Points {
			for _, p := range row {
				lo, hi = min(lo, p), max(hi, p)
			}
		}
		d := m.Features[m.Feature(in.Features[0])].Dimension
		r := e.dimRange[d]
		e.dimRange[d] = [2]int{r[0] + lo, r[1] + hi}
	}
	return e
}

func pointsRange(bins []model.Bin) (lo, hi int) {
	lo, hi = math.MaxInt, math.MinInt
	for _, b := range bins {
		lo, hi = min(lo, b.Points), max(hi, b.Points)
	}
	return lo, hi
}

// Version is the model version the engine scores with.
func (e *Engine) Version() string { return e.version }

// Model is the engine's model.
func (e *Engine) Model() *model.Model { return e.model }

// Score computes a person's score from their events as of asOf.
func (e *Engine) Score(person string, events []sesame.Event, asOf time.Time) *sesame.Score {
	p := e.profiler.Profile(events, asOf)
	return e.ScoreProfile(person, p, asOf)
}

// ScoreProfile scores an already computed profile.
func (e *Engine) ScoreProfile(person string, p Profile, asOf time.Time) *sesame.Score {
	s := &sesame.Score{Person: person, ModelVersion: e.version, AsOf: asOf.UTC(), Features: e.featureMap(p.Values)}
	if len(p.Missing) > 0 {
		s.Status, s.Missing = sesame.StatusInsufficientHistory, p.Missing
		return s
	}
	x := e.vector(p.Values)
	r := e.model.Score(x)
	s.Status, s.Score, s.Band = sesame.StatusScored, r.Score, sesame.BandOf(r.Score)
	s.Dimensions = e.dimensions(r)
	s.Reasons = e.reasons(r)
	s.Tips = e.tips(x, r)
	return s
}

func (e *Engine) vector(values []float64) model.Vector {
	x := make(model.Vector, len(e.column))
	for i, c := range e.column {
		if c < 0 || c >= len(values) {
			x[i] = math.NaN()
		} else {
			x[i] = values[c]
		}
	}
	return x
}

func (e *Engine) featureMap(values []float64) map[string]float64 {
	names := e.profiler.Names()
	m := make(map[string]float64, len(values))
	for i, v := range values {
		if i < len(names) && !math.IsNaN(v) {
			m[names[i]] = v
		}
	}
	return m
}

// dimensions places each dimension's points between the fewest and most its
// terms allow, on the 350–950 scale; a dimension whose terms cannot move
// (no features, or none with any effect) sits at the neutral midpoint, 650.
func (e *Engine) dimensions(r model.Result) []sesame.DimensionScore {
	out := make([]sesame.DimensionScore, 0, len(sesame.Dimensions))
	for _, d := range sesame.Dimensions {
		pts := r.Dimensions[string(d)]
		rg := e.dimRange[string(d)] // zero for a dimension without terms: neutral
		sub := feature.SubScore(float64(pts), float64(rg[0]), float64(rg[1]))
		out = append(out, sesame.DimensionScore{Dimension: d, Score: sub, Points: float64(pts)})
	}
	return out
}

func (e *Engine) reasons(r model.Result) []sesame.Reason {
	out := make([]sesame.Reason, 0, len(r.Reasons))
	for _, rs := range r.Reasons {
		d := sesame.Behaviour
		if i := e.model.Feature(rs.Term); i >= 0 {
			d = sesame.Dimension(e.model.Features[i].Dimension)
		} else {
			for _, in := range e.model.Interactions {
				if in.Name == rs.Term {
					d = sesame.Dimension(e.model.Features[e.model.Feature(in.Features[0])].Dimension)
				}
			}
		}
		out = append(out, sesame.Reason{Feature: rs.Term, Dimension: d, Text: rs.Text, PointsLost: float64(rs.Gap)})
	}
	return out
}

// MaxTips is how many tips a score carries.
const MaxTips = 4

// tips asks the profiler what each feature could become by the person's own
// action and prices each change exactly with the model: the gain is the
// change in the clamped score, so it is what the person would see.
func (e *Engine) tips(x model.Vector, r model.Result) []sesame.Tip {
	var out []sesame.Tip
	for i, f := range e.model.Features {
		if e.column[i] < 0 {
			continue
		}
		now := e.model.FeaturePoints(x, i)
		best := sesame.Tip{}
		for _, t := range e.profiler.Tips(f.Name, x[i]) {
			gain := sesame.ClampScore(r.Unclamped+e.model.PointsIf(x, i, t.Value)-now) - r.Score
			if gain > best.Gain {
				best = sesame.Tip{Feature: f.Name, Action: t.Action, Gain: gain, Target: t.Value}
			}
		}
		if best.Gain > 0 {
			out = append(out, best)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Gain > out[j].Gain })
	if len(out) > MaxTips {
		out = out[:MaxTips]
	}
	return out
}

// WhatIf scores the profile with some features changed and returns the new
// score; the caller compares it with the current one for exact deltas.
func (e *Engine) WhatIf(person string, p Profile, asOf time.Time, changes map[string]float64) (*sesame.Score, error) {
	values := append([]float64(nil), p.Values...)
	for name, v := range changes {
		i, ok := e.position[name]
		if !ok {
			return nil, sesame.Errorf(sesame.EINVALID, "what-if: %q is not a profile feature", name)
		}
		values[i] = v
	}
	return e.ScoreProfile(person, Profile{Values: values, Missing: p.Missing}, asOf), nil
}
