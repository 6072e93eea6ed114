// Package score is the score service: it folds a person's events into
// features (package feature), scores them with the active model (package
// model), and turns the result into what people and partners see — a
// 350–950 score, its band, five dimension sub-scores, exact reasons and tips —
// then stores it with its history and keeps it fresh.
package score

import (
	"math"
	"strconv"
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
	// DataAsOf is how far each source's data was complete (Score.DataAsOf).
	DataAsOf []sesame.SourceAsOf
}

// Profiler computes a person's features from their events as of a time. The
// feature package implements it; the same code builds training sets.
type Profiler interface {
	Names() []string
	Profile(events []sesame.Event, asOf time.Time) Profile
	// Tips returns the values the feature at position i of Names could reach
	// by the person's own action from the current value, each with a
	// sentence saying how. The engine asks for every feature of every person
	// it scores, so it should be a cheap lookup; the slice may be shared and
	// the engine never modifies it.
	Tips(i int, current float64) []TipTarget
}

// TipTarget is a value a person can bring a feature to, and how.
type TipTarget = feature.TipTarget

// Engine scores profiles with one model version. It is immutable and safe
// for concurrent use; a new model version gets a new Engine.
//
// Scoring is the model's table lookup and sum, done here over tables laid
// out for it in NewEngine rather than through model.Score: issue 5 asks for
// score, reasons and tips in ≤ 10 µs per person, and model.Score's result
// (a map per call, formatted reason texts) and pricing every tip by a full
// rescore cost twice that. The results are the model's exactly; the tests
// compare them with model.Score and with applying every tip.
type Engine struct {
	model    *model.Model
	version  string
	profiler Profiler
	names    []string // profiler.Names(), for Score.Features
	// column[i] is the profile position of model feature i (−1: not profiled,
	// always missing).
	column []int
	// position maps a profile feature name to its place in Profile.Values.
	position map[string]int
	features []engineFeature // per model feature
	pairs    []enginePair    // per interaction
	// dimRange holds, per dimension (in sesame.Dimensions order), the fewest
	// and most points its terms allow.
	dimRange [numDimensions][2]int
	// dimTerms counts the terms filed under each dimension: a dimension all
	// of whose terms sit in their neutral bins (no opt-in signal given) is
	// shown at the neutral midpoint, not at the bottom of its range.
	dimTerms [numDimensions]int
	// best[t] is the most points term t can give (model.BestPoints).
	best []int
	// Every cell of every term's table (a feature's bins, a pair's rows ×
	// columns) has a place in the flat arrays below; term t's cells start
	// at cellBase[t].
	cellBase []int
	// points holds every cell's points, contiguous: the model keeps them
	// inside 56-byte Bins and per-row slices, and the scoring loop reads
	// nothing else, so a compact copy keeps it in cache.
	points []int
	// codes are the reason codes the model's features give, in the order
	// first met; engineFeature.group indexes it (−1: never a reason).
	codes []string
}

const numDimensions = 5 // len(sesame.Dimensions)

// engineFeature is what scoring needs of one model feature.
type engineFeature struct {
	name   string
	bins   binTable
	points []int // per bin: a window of Engine.points
	column int
	dim    int        // index in sesame.Dimensions; −1 for a dimension not shown
	pairs  []pairAxis // the interactions the feature is an axis of, for tips
	// neutral is the bin that is never a reason (model.NeutralBin), or −1.
	neutral int
	// group is the feature's reason code in Engine.codes, or −1 when it is
	// never a reason (a sensitive attribute, or the model says NoReason).
	group int
	// catalogue is the feature's position in the feature catalogue (−1:
	// not in it), for formatting its value and sentence without a search.
	catalogue int
}

// pairAxis names one interaction and which of its axes a feature is.
type pairAxis struct{ pair, axis int }

// enginePair is what scoring needs of one interaction.
type enginePair struct {
	axes    [2]binTable
	points  []int  // per cell a×cols+b: a window of Engine.points
	cols    int    // bins of the second axis
	feature [2]int // model feature positions of the two axes
	dim     int    // the first feature's dimension, as the model counts it
	// share[a×cols+b] is the Shapley split of the cell's loss between the
	// two features (model.PairShares).
	share [][2]float64
}

// NewEngine binds a model to a profiler.
func NewEngine(m *model.Model, version string, p Profiler) *Engine {
	e := &Engine{model: m, version: version, profiler: p, names: p.Names(), column: make([]int, len(m.Features)),
		features: make([]engineFeature, len(m.Features)), pairs: make([]enginePair, len(m.Interactions)),
		best: make([]int, m.NumTerms()), cellBase: make([]int, m.NumTerms())}
	pos := map[string]int{}
	for i, n := range e.names {
		pos[n] = i
	}
	e.position = pos
	for i := range m.Features {
		f := &m.Features[i]
		c, ok := pos[f.Name]
		if !ok {
			c = -1
		}
		e.column[i] = c
		e.features[i] = engineFeature{name: f.Name, bins: newBinTable(&f.Binning), column: c, dim: dimensionIndex(f.Dimension),
			neutral: m.NeutralBin(i), group: e.reasonGroup(f), catalogue: feature.Index(f.Name)}
		lo, hi := pointsRange(f.Bins)
		e.addRange(e.features[i].dim, lo, hi)
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		ep := enginePair{axes: [2]binTable{newBinTable(&in.Axes[0]), newBinTable(&in.Axes[1])}, cols: in.Axes[1].NumBins(),
			feature: [2]int{m.Feature(in.Features[0]), m.Feature(in.Features[1])}}
		ep.dim = e.features[ep.feature[0]].dim
		for axis, f := range ep.feature {
			if axis == 1 && f == ep.feature[0] {
				break // a pair of a feature with itself moves as one axis, as model.PointsIf has it
			}
			e.features[f].pairs = append(e.features[f].pairs, pairAxis{p, axis})
		}
		ep.share = make([][2]float64, in.Axes[0].NumBins()*ep.cols)
		for c := range ep.share {
			la, lb := m.PairShares(p, c/ep.cols, c%ep.cols)
			ep.share[c] = [2]float64{la, lb}
		}
		e.pairs[p] = ep
		lo, hi := math.MaxInt, math.MinInt
		for _, row := range in.Points {
			for _, p := range row {
				lo, hi = min(lo, p), max(hi, p)
			}
		}
		e.addRange(ep.dim, lo, hi)
	}
	cells := 0
	for t := range e.best {
		e.best[t] = m.BestPoints(t)
		e.cellBase[t] = cells
		cells += m.NumCells(t)
	}
	e.points = make([]int, cells)
	for t := range e.best {
		window := e.points[e.cellBase[t] : e.cellBase[t]+m.NumCells(t)]
		for c := range window {
			window[c] = m.CellPoints(t, c)
		}
		if t < len(e.features) {
			e.features[t].points = window
		} else {
			e.pairs[t-len(e.features)].points = window
		}
	}
	return e
}

// reasonGroup files a model feature under its reason code, adding the code
// to e.codes when new: features of one factor share a code. A feature the
// catalogue gives no code, or the model marks NoReason, is never a reason.
func (e *Engine) reasonGroup(f *model.Feature) int {
	code := feature.ReasonCodeOf(f.Name)
	if code == "" || f.NoReason {
		return -1
	}
	for g, c := range e.codes {
		if c == code {
			return g
		}
	}
	e.codes = append(e.codes, code)
	return len(e.codes) - 1
}

func dimensionIndex(d string) int {
	for k, x := range sesame.Dimensions {
		if string(x) == d {
			return k
		}
	}
	return -1
}

func (e *Engine) addRange(dim, lo, hi int) {
	if dim >= 0 {
		r := &e.dimRange[dim]
		r[0], r[1] = r[0]+lo, r[1]+hi
		e.dimTerms[dim]++
	}
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

// scored is a score with room for its parts, allocated in one go; the
// score's slices point into it.
type scored struct {
	score      sesame.Score
	dimensions [numDimensions]sesame.DimensionScore
	reasons    [sesame.MaxReasons + 1]sesame.Reason
	tips       [MaxTips + 1]sesame.Tip
}

// termScratch is the per-call working space of ScoreProfile: on the stack
// for models up to its size, so scoring allocates only its result.
const termScratch = 128

// ScoreProfile scores an already computed profile.
func (e *Engine) ScoreProfile(person string, p Profile, asOf time.Time) *sesame.Score {
	out := new(scored)
	s := &out.score
	s.Person, s.ModelVersion, s.AsOf, s.Features = person, e.version, asOf.UTC(), e.featureMap(p.Values)
	s.DataAsOf = p.DataAsOf
	if len(p.Missing) > 0 {
		s.Status, s.Missing = sesame.StatusInsufficientHistory, p.Missing
		return s
	}
	// Per feature, its main-effect points; per pair, its two bins and points:
	// the tips reuse them.
	nf, np := len(e.features), len(e.pairs)
	var stack [termScratch]int
	scratch := stack[:0]
	if need := nf + 3*np; need <= len(stack) {
		scratch = stack[:need]
	} else {
		scratch = make([]int, need)
	}
	mainPts, pairPts, pairBins := scratch[:nf], scratch[nf:nf+np], scratch[nf+np:]

	var dims, neutral [numDimensions]int
	// lost[i] is feature i's points below the best attainable: its main
	// effect's gap plus its Shapley shares of its pairs (model.FeatureLosses).
	var lostStack [termScratch]float64
	lost := lostStack[:0]
	if nf <= len(lostStack) {
		lost = lostStack[:nf]
	} else {
		lost = make([]float64, nf)
	}
	sum := 0
	for i := range e.features {
		ef := &e.features[i]
		k := ef.bins.bin(e.value(p.Values, i))
		pts := ef.points[k]
		mainPts[i] = pts
		sum += pts
		if ef.dim >= 0 {
			dims[ef.dim] += pts
		}
		if k != ef.neutral {
			lost[i] = float64(e.best[i] - pts)
		} else {
			lost[i] = 0
			if ef.dim >= 0 {
				neutral[ef.dim]++
			}
		}
	}
	for q := range e.pairs {
		ep := &e.pairs[q]
		a := ep.axes[0].bin(e.value(p.Values, ep.feature[0]))
		b := ep.axes[1].bin(e.value(p.Values, ep.feature[1]))
		pts := ep.points[a*ep.cols+b]
		pairBins[2*q], pairBins[2*q+1], pairPts[q] = a, b, pts
		sum += pts
		if ep.dim >= 0 {
			dims[ep.dim] += pts
		}
		sh := ep.share[a*ep.cols+b]
		lost[ep.feature[0]] += sh[0]
		lost[ep.feature[1]] += sh[1]
	}
	score := e.model.ClampScore(sum)
	s.Status, s.Score, s.Band = sesame.StatusScored, score, sesame.BandOf(score)

	// dimensions places each dimension's points between the fewest and most
	// its terms allow, on the 350–950 scale; a dimension whose terms cannot
	// move (no features, or none with any effect) or whose features all sit
	// in their neutral bins (a person who gave no vouches) is at the neutral
	// midpoint, 650.
	//
	// A model with training medians (model.Medians) places each dimension
	// instead at the median score plus its points' distance from their
	// median, so that every dimension's population median is the overall
	// median; a dimension without terms, or an opt-in one with nothing
	// given, sits at the median.
	medians := e.model.Medians
	for k, d := range sesame.Dimensions {
		pts := float64(dims[k])
		absent := neutral[k] > 0 && neutral[k] == e.dimTerms[k] // nothing given in an opt-in dimension
		var sub int
		switch {
		case medians != nil && (absent || e.dimTerms[k] == 0):
			sub = medians.Score
		case medians != nil:
			sub = e.model.DimensionScore(string(d), pts)
		default:
			rg := e.dimRange[k] // zero for a dimension without terms: neutral
			if absent {
				rg = [2]int{}
			}
			sub = feature.SubScore(pts, float64(rg[0]), float64(rg[1]))
		}
		out.dimensions[k] = sesame.DimensionScore{Dimension: d, Score: sub, Points: pts}
	}
	s.Dimensions = out.dimensions[:len(sesame.Dimensions):len(sesame.Dimensions)]

	s.Reasons = e.reasons(p.Values, lost, &out.reasons)

	if n := e.tips(p.Values, sum, score, mainPts, pairPts, pairBins, s.Reasons, &out.tips); n > 0 {
		s.Tips = out.tips[:n:n]
	}
	return s
}

// value is model feature i's value in the profile (NaN: missing).
func (e *Engine) value(values []float64, i int) float64 {
	if c := e.column[i]; c >= 0 && c < len(values) {
		return values[c]
	}
	return math.NaN()
}

// reasons ranks the reason codes by the points their features lose
// together, largest first (ties in the order the model meets the codes),
// and writes the top sesame.MaxReasons to out, then recent applications
// for credit as one more when they cost points and are not among them. Each quotes the feature of
// its code that lost the most points, with the person's own value. The
// texts are English; an API or portal reader in another language gets them
// re-rendered from code, feature and value (Localize).
func (e *Engine) reasons(values, lost []float64, out *[sesame.MaxReasons + 1]sesame.Reason) []sesame.Reason {
	var groupStack [64]float64
	var repStack [64]int
	groupLost, rep := groupStack[:0], repStack[:0]
	if len(e.codes) <= len(groupStack) {
		groupLost, rep = groupStack[:len(e.codes)], repStack[:len(e.codes)]
	} else {
		groupLost, rep = make([]float64, len(e.codes)), make([]int, len(e.codes))
	}
	for g := range rep {
		rep[g] = -1
	}
	for i, l := range lost {
		g := e.features[i].group
		if g < 0 {
			continue
		}
		groupLost[g] += l
		if rep[g] < 0 || l > lost[rep[g]] {
			rep[g] = i
		}
	}
	n := 0
	give := func(g int) {
		i := rep[g]
		ef := &e.features[i]
		value := feature.FormatValueAt(ef.catalogue, e.value(values, i))
		out[n] = sesame.Reason{Code: e.codes[g], Feature: ef.name, Dimension: sesame.Dimension(e.model.Features[i].Dimension),
			Text: feature.ReasonSentenceAt(ef.catalogue, value, "en"), Value: value, PointsLost: groupLost[g]}
		groupLost[g] = 0
		n++
	}
	for n < sesame.MaxReasons {
		top := -1
		for g, l := range groupLost {
			if l > reasonEpsilon && (top < 0 || l > groupLost[top]) {
				top = g
			}
		}
		if top < 0 {
			break
		}
		give(top)
	}
	// A code given above has no points left, so inquiries still losing
	// points here were not among the first four.
	if n == sesame.MaxReasons {
		for g, code := range e.codes {
			if code == sesame.ReasonInquiries && groupLost[g] > reasonEpsilon {
				give(g)
				break
			}
		}
	}
	return out[:n:n]
}

// reasonEpsilon ignores losses that are rounding, not points.
const reasonEpsilon = 1e-9

// MaxTips is how many tips a score carries; a fifth reason (recent
// applications for credit) may bring one more, its own.
const MaxTips = 4

// tips asks the profiler what each feature could become by the person's own
// action and prices each change exactly: the gain is the change in the
// clamped score, so it is what the person would see. Only the changed
// feature's terms move — its main effect and the pairs it is an axis of —
// so the new sum is the old one plus their difference, with no rescore.
// Each feature offers its best target (the first of equal ones). Tips
// answer the reasons first: every reason whose factor the person can change
// gets the best tip among its code's features; the other slots go to the
// largest gains. The chosen tips are listed largest gain first, ties in
// model order. It writes them to out and returns how many.
func (e *Engine) tips(values []float64, sum, score int, mainPts, pairPts, pairBins []int, reasons []sesame.Reason, out *[MaxTips + 1]sesame.Tip) int {
	type candidate struct {
		feature int
		tip     sesame.Tip
	}
	var candStack [32]candidate
	cands := candStack[:0]
	for i := range e.features {
		ef := &e.features[i]
		if ef.column < 0 {
			continue
		}
		current := e.value(values, i)
		targets := e.profiler.Tips(ef.column, current)
		if len(targets) == 0 {
			continue
		}
		now := mainPts[i]
		for _, pa := range ef.pairs {
			now += pairPts[pa.pair]
		}
		best := sesame.Tip{}
		for _, t := range targets {
			then := ef.points[ef.bins.bin(t.Value)]
			for _, pa := range ef.pairs {
				ep := &e.pairs[pa.pair]
				a, b := pairBins[2*pa.pair], pairBins[2*pa.pair+1]
				if pa.axis == 0 {
					a = ep.axes[0].bin(t.Value)
				} else {
					b = ep.axes[1].bin(t.Value)
				}
				then += ep.points[a*ep.cols+b]
			}
			gain := sesame.ClampScore(sum+then-now) - score
			if gain > best.Gain {
				best = sesame.Tip{Feature: ef.name, Action: t.Action, Gain: gain, Target: t.Value}
			}
		}
		if best.Gain > 0 {
			if ef.group >= 0 {
				best.Code = e.codes[ef.group]
			}
			cands = append(cands, candidate{i, best})
		}
	}
	var chosen [MaxTips + 1]int // positions in cands
	n := 0
	taken := func(c int) bool {
		for _, k := range chosen[:n] {
			if k == c {
				return true
			}
		}
		return false
	}
	for _, r := range reasons {
		if n == max(MaxTips, len(reasons)) {
			break
		}
		pick := -1
		for c := range cands {
			if cands[c].tip.Code == r.Code && !taken(c) && (pick < 0 || cands[c].tip.Gain > cands[pick].tip.Gain) {
				pick = c
			}
		}
		if pick >= 0 {
			chosen[n] = pick
			n++
		}
	}
	for n < MaxTips {
		pick := -1
		for c := range cands {
			if !taken(c) && (pick < 0 || cands[c].tip.Gain > cands[pick].tip.Gain) {
				pick = c
			}
		}
		if pick < 0 {
			break
		}
		chosen[n] = pick
		n++
	}
	// Largest gain first, ties in model order (an insertion sort of at
	// most MaxTips+1: no allocation).
	before := func(a, b int) bool {
		ca, cb := &cands[a], &cands[b]
		if ca.tip.Gain != cb.tip.Gain {
			return ca.tip.Gain > cb.tip.Gain
		}
		return ca.feature < cb.feature
	}
	for k := 1; k < n; k++ {
		for j := k; j > 0 && before(chosen[j], chosen[j-1]); j-- {
			chosen[j], chosen[j-1] = chosen[j-1], chosen[j]
		}
	}
	for k := range n {
		c := &cands[chosen[k]]
		out[k] = c.tip
		out[k].Goal = feature.FormatValueAt(e.features[c.feature].catalogue, c.tip.Target)
	}
	return n
}

// binTable is a model.Binning laid out for lookups: Bin's rules exactly
// (the tests compare the two on every cut), with the cut search branch-free
// because a person's values make the branches of a binary search
// unpredictable.
type binTable struct {
	cuts     []float64
	specials []float64 // bins len(cuts)+1 on
	levels   int       // categorical: bins 0..levels−1, then other
	category bool
	missing  int // the last bin
}

func newBinTable(b *model.Binning) binTable {
	return binTable{cuts: b.Cuts, specials: b.Specials, levels: len(b.Levels), category: b.Type == "categorical", missing: b.MissingBin()}
}

func (b *binTable) bin(x float64) int {
	if x != x {
		return b.missing
	}
	if b.category {
		if x < 0 || int(x) >= b.levels {
			return b.levels // other
		}
		return int(x)
	}
	for k, s := range b.specials {
		if x == s {
			return len(b.cuts) + 1 + k
		}
	}
	// The number of cuts <= x (bin k holds cuts[k−1] <= x < cuts[k]): the
	// count lies in [base, base+n], and each step halves n.
	cuts := b.cuts
	if len(cuts) == 0 {
		return 0
	}
	base, n := 0, len(cuts)
	for n > 1 {
		half := n >> 1
		base += half * le(cuts[base+half], x)
		n -= half
	}
	return base + le(cuts[base], x)
}

// le is 1 when a <= b, else 0: written so that the compiler sets a
// register from the flags instead of branching.
func le(a, b float64) int {
	var one int
	if a <= b {
		one = 1
	}
	return one
}

func (e *Engine) featureMap(values []float64) map[string]float64 {
	m := make(map[string]float64, len(values))
	for i, v := range values {
		if i < len(e.names) && v == v {
			m[e.names[i]] = v
		}
	}
	return m
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
		if lo, hi, known := feature.Range(name); known && !(v >= lo && v <= hi) {
			return nil, sesame.Errorf(sesame.EINVALID, "what-if: features.%s must be from %s, not %s", name, feature.RangeText(name), strconv.FormatFloat(v, 'g', -1, 64))
		}
		values[i] = v
	}
	return e.ScoreProfile(person, Profile{Values: values, Missing: p.Missing}, asOf), nil
}
