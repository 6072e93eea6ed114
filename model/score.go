package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Vector is one record resolved to the model's feature order, built once so
// scoring is a lookup per feature: numbers as they are, NaN for missing, and
// a categorical value as its level code (see Binning). Build one with
// Model.Vector or Model.EncodeTable.
type Vector []float64

// Record maps feature names to values: a number (float64, float32 or any
// int), a string for categorical features (or a numeral for numeric ones),
// or nil/NaN for missing. Features absent from the map are missing.
type Record map[string]any

// Vector resolves r against the model's features. Keys that are not
// features are ignored, so callers may pass a wider record.
func (m *Model) Vector(r Record) (Vector, error) {
	v := make(Vector, len(m.Features))
	for i := range m.Features {
		x, err := m.resolve(i, r[m.Features[i].Name])
		if err != nil {
			return nil, err
		}
		v[i] = x
	}
	return v, nil
}

// resolve turns one value into the Vector form for feature i.
func (m *Model) resolve(i int, val any) (float64, error) {
	f := &m.Features[i]
	var num float64
	switch x := val.(type) {
	case nil:
		return math.NaN(), nil
	case string:
		if isMissing(x) {
			return math.NaN(), nil
		}
		if f.Type == categorical {
			return m.levelCode(i, strings.TrimSpace(x)), nil
		}
		n, ok := parseNumber(x)
		if !ok {
			return 0, fmt.Errorf("feature %q: %q is not a number", f.Name, x)
		}
		return n, nil
	case float64:
		num = x
	case float32:
		num = float64(x)
	case int:
		num = float64(x)
	case int64:
		num = float64(x)
	case int32:
		num = float64(x)
	case bool:
		num = float64(boolInt(x))
	default:
		return 0, fmt.Errorf("feature %q: unsupported value type %T", f.Name, val)
	}
	if num != num {
		return num, nil
	}
	if f.Type == categorical {
		// A categorical feature given a number: match its spelling.
		return m.levelCode(i, fmtNum(num)), nil
	}
	return num, nil
}

// levelCode is the Vector code of a categorical value: its level index, or
// −1 for a level the model groups into "other".
func (m *Model) levelCode(i int, s string) float64 {
	if k, ok := m.levels[i][s]; ok {
		return float64(k)
	}
	return -1
}

// Result is a scored record with its exact explanation.
type Result struct {
	Score int `json:"score"` // clamped to the scaling's range
	// Points holds each term's points, in term order (features, then pairs);
	// they sum to Unclamped.
	Points      []int          `json:"points"`
	Unclamped   int            `json:"unclamped"`
	Probability float64        `json:"probability_bad"`
	Band        string         `json:"band"`
	Dimensions  map[string]int `json:"dimensions"` // points per dimension
	Reasons     []Reason       `json:"reasons"`
}

// Reason is a feature where the record lost points against the best
// attainable: its main effect's gap plus its Shapley shares of its pairs
// (see FeatureLosses).
type Reason struct {
	Term  string  `json:"term"` // the feature
	Gap   float64 `json:"points_lost"`
	Value string  `json:"value"` // the feature's bin label
	Text  string  `json:"text"`
}

// MaxReasons is how many reasons Score returns.
const MaxReasons = 4

// Score scores one record. It allocates only the result.
func (m *Model) Score(x Vector) Result {
	r := Result{Points: make([]int, m.NumTerms()), Dimensions: make(map[string]int, len(Dimensions))}
	z := m.Intercept
	sum := 0
	for i := range m.Features {
		f := &m.Features[i]
		b := &f.Bins[f.Bin(x[i])]
		r.Points[i] = b.Points
		sum += b.Points
		z += b.Logit
		r.Dimensions[f.Dimension] += b.Points
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		a, b := in.cell(x)
		pts := in.Points[a][b]
		r.Points[len(m.Features)+p] = pts
		sum += pts
		z += in.Logits[a][b]
		r.Dimensions[m.Features[in.index[0]].Dimension] += pts
	}
	r.Unclamped = sum
	r.Score = m.Scaling.clamp(sum)
	r.Probability = logistic(z)
	r.Band = Band(r.Score)
	r.Reasons = m.reasons(x, MaxReasons)
	return r
}

// cell returns the pair's bins for the record.
func (in *Interaction) cell(x Vector) (int, int) {
	return in.Axes[0].Bin(x[in.index[0]]), in.Axes[1].Bin(x[in.index[1]])
}

// MinPairCellCount is the training rows a pair's cell needs to be the
// pair's reference (its best attainable cell, see PairShares): a cell a
// handful of rows set is no standard to hold a person to.
const MinPairCellCount = 30

// BestPoints is the most points term t can give: the best bin holding
// training data, missing excluded (nobody improves by hiding a value).
func (m *Model) BestPoints(t int) int { return m.best[t] }

// bestPoints computes BestPoints from the tables (once, in prepare).
func (m *Model) bestPoints(t int) int {
	best := math.MinInt
	if t < len(m.Features) {
		f := &m.Features[t]
		for k, b := range f.Bins {
			if b.Count > 0 && k != f.MissingBin() {
				best = max(best, b.Points)
			}
		}
	} else {
		in := &m.Interactions[t-len(m.Features)]
		ref := m.pairRef[t-len(m.Features)]
		return in.Points[ref[0]][ref[1]]
	}
	if best == math.MinInt { // only missing data: nothing to compare with
		return 0
	}
	return best
}

// reasons returns the n features that lose the most points (FeatureLosses),
// largest first, ties in feature order. A feature that may never be a
// reason (NoReason: a sensitive attribute the operator allowed as an input)
// is left out.
func (m *Model) reasons(x Vector, n int) []Reason {
	loss := m.FeatureLosses(x, nil)
	var out []Reason
	for len(out) < n {
		top := -1
		for i, l := range loss {
			if l > reasonEpsilon && !m.Features[i].NoReason && (top < 0 || l > loss[top]) {
				top = i
			}
		}
		if top < 0 {
			break
		}
		value := m.Features[top].Label(m.Features[top].Bin(x[top]))
		out = append(out, Reason{Term: m.Features[top].Name, Value: value, Gap: loss[top], Text: m.reasonText(top, value, loss[top])})
		loss[top] = 0
	}
	return out
}

// reasonEpsilon ignores losses that are rounding, not points.
const reasonEpsilon = 1e-9

// NumCells is the number of cells in term t's points table: a feature's
// bins, or a pair's rows × columns. Numbering cells lets a scorer look up,
// and cache, everything a cell implies — its points and its reason — by one
// index.
func (m *Model) NumCells(t int) int {
	if t < len(m.Features) {
		return len(m.Features[t].Bins)
	}
	in := &m.Interactions[t-len(m.Features)]
	return in.Axes[0].NumBins() * in.Axes[1].NumBins()
}

// TermCell is the cell of term t's table that x falls in: a feature's bin,
// or a×columns+b for a pair's bins (a, b).
func (m *Model) TermCell(x Vector, t int) int {
	if t < len(m.Features) {
		f := &m.Features[t]
		return f.Bin(x[t])
	}
	in := &m.Interactions[t-len(m.Features)]
	a, b := in.cell(x)
	return a*in.Axes[1].NumBins() + b
}

// CellPoints is the points of cell c of term t's table.
func (m *Model) CellPoints(t, c int) int {
	if t < len(m.Features) {
		return m.Features[t].Bins[c].Points
	}
	in := &m.Interactions[t-len(m.Features)]
	cols := in.Axes[1].NumBins()
	return in.Points[c/cols][c%cols]
}

// CellReason is the reason feature i gives a record in bin c from its main
// effect alone (no pair shares): the gap to the best bin and the sentence.
// A Gap ≤ 0 means the bin costs nothing: it is no reason.
func (m *Model) CellReason(i, c int) Reason {
	gap := m.best[i] - m.Features[i].Bins[c].Points
	if m.neutralCell(i, c) {
		gap = 0
	}
	value := m.Features[i].Label(c)
	return Reason{Term: m.Features[i].Name, Gap: float64(gap), Value: value, Text: m.reasonText(i, value, float64(gap))}
}

// NeutralBin is the bin of feature i that never costs points — its missing
// bin when the feature is NeutralMissing — or −1.
func (m *Model) NeutralBin(i int) int {
	if f := &m.Features[i]; f.NeutralMissing {
		return f.MissingBin()
	}
	return -1
}

// neutralCell reports whether cell c of term t is a neutral absence.
func (m *Model) neutralCell(t, c int) bool {
	return t < len(m.Features) && c == m.NeutralBin(t)
}

// ClampScore is the score of a points sum: the sum clamped to the
// scaling's range.
func (m *Model) ClampScore(sum int) int { return m.Scaling.clamp(sum) }

// TermValue labels the bin(s) the record falls in for term t.
func (m *Model) TermValue(x Vector, t int) string { return m.cellValue(t, m.TermCell(x, t)) }

// cellValue labels cell c of term t.
func (m *Model) cellValue(t, c int) string {
	if t < len(m.Features) {
		return m.Features[t].Label(c)
	}
	in := &m.Interactions[t-len(m.Features)]
	cols := in.Axes[1].NumBins()
	return in.Features[0] + " " + in.Labels[0][c/cols] + ", " + in.Features[1] + " " + in.Labels[1][c%cols]
}

func (m *Model) reasonText(i int, value string, lost float64) string {
	f := &m.Features[i]
	switch {
	case strings.Contains(f.Reason, "%s"):
		return fmt.Sprintf(f.Reason, value)
	case f.Reason != "":
		return f.Reason
	}
	what := f.Description
	if what == "" {
		what = f.Name
	}
	return fmt.Sprintf("%s is %s: %s points below the best", what, valuePhrase(value), strconv.FormatFloat(lost, 'f', -1, 64))
}

// valuePhrase says a bin label in words, its numbers rounded for reading:
// "< 1" is "under 1", "[0.8333333, 0.9166667)" is "0.833 to under 0.917",
// "missing" is "none recorded".
func valuePhrase(label string) string {
	switch {
	case label == "missing":
		return "none recorded"
	case strings.HasPrefix(label, "< "):
		return "under " + readable(label[2:])
	case strings.HasPrefix(label, ">= "):
		return readable(label[3:]) + " or more"
	case strings.HasPrefix(label, "= "):
		return "exactly " + readable(label[2:])
	case strings.HasPrefix(label, "[") && strings.HasSuffix(label, ")"):
		lo, hi, ok := strings.Cut(label[1:len(label)-1], ", ")
		if ok {
			return readable(lo) + " to under " + readable(hi)
		}
	}
	return label
}

// readable rounds a number for a sentence: whole above 100, else three
// significant digits. Anything else is returned as it is.
func readable(num string) string {
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return num
	}
	if math.Abs(v) >= 100 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// WhatIf scores x with some features changed and returns the new result and
// its exact change in score.
func (m *Model) WhatIf(x Vector, changes Record) (Result, int, error) {
	before := m.Score(x)
	y := append(Vector(nil), x...)
	for name, val := range changes {
		i := m.Feature(name)
		if i < 0 {
			return Result{}, 0, fmt.Errorf("what-if: %q is not a model feature", name)
		}
		v, err := m.resolve(i, val)
		if err != nil {
			return Result{}, 0, err
		}
		y[i] = v
	}
	after := m.Score(y)
	return after, after.Score - before.Score, nil
}

// FeaturePoints is the points the record gets from every term that involves
// feature f (its main effect and its pairs).
func (m *Model) FeaturePoints(x Vector, f int) int { return m.PointsIf(x, f, x[f]) }

// PointsIf is FeaturePoints with feature f set to v (in Vector form); the
// difference of the two is the exact gain of a tip, before clamping. It
// does not modify x, so callers may share a Vector across goroutines.
func (m *Model) PointsIf(x Vector, f int, v float64) int {
	feat := &m.Features[f]
	pts := feat.Bins[feat.Bin(v)].Points
	for p := range m.Interactions {
		in := &m.Interactions[p]
		va, vb := x[in.index[0]], x[in.index[1]]
		switch f {
		case in.index[0]:
			va = v
		case in.index[1]:
			vb = v
		default:
			continue
		}
		pts += in.Points[in.Axes[0].Bin(va)][in.Axes[1].Bin(vb)]
	}
	return pts
}

// Band names the band of a score.
func Band(score int) string {
	switch {
	case score < 550:
		return "poor"
	case score < 600:
		return "fair"
	case score < 650:
		return "good"
	case score < 700:
		return "very good"
	default:
		return "excellent"
	}
}
