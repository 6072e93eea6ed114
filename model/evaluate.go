package model

import (
	"math"
	"sort"
)

// Evaluation is a model's report card on one labelled data set: headline
// metrics, calibration, bands, importance and, with a protected column,
// fairness. It is what `sesame model eval` prints and --json emits.
type Evaluation struct {
	Summary
	Calibration []CalibrationRow `json:"calibration"`
	Bands       []BandRow        `json:"bands"`
	Importance  []Importance     `json:"importance"`
	Fairness    *Fairness        `json:"fairness,omitempty"`
	// Audit is the full fairness audit over several protected attributes
	// (sesame model eval --protected a,b --age-column …), when asked for.
	Audit *Audit   `json:"audit,omitempty"`
	PSI   *float64 `json:"psi,omitempty"` // against the training scores, when given
	// Drift is the score's PSI and every input's CSI against the model's
	// training baseline (artifacts from before the baseline: nil).
	Drift *Drift `json:"drift,omitempty"`
	// Curves for charts; omitted from JSON to keep it short.
	ROC           []ROCPoint `json:"-"`
	Scores        []int      `json:"-"`
	Labels        []float64  `json:"-"`
	Probabilities []float64  `json:"-"`
}

// CalibrationRow compares predicted and observed bad rates in one decile of
// predicted risk.
type CalibrationRow struct {
	Rows      int     `json:"rows"`
	Predicted float64 `json:"predicted"`
	Observed  float64 `json:"observed"`
}

// BandRow is the bad rate within one score band.
type BandRow struct {
	Band    string  `json:"band"`
	Min     int     `json:"min"`
	Max     int     `json:"max"`
	Rows    int     `json:"rows"`
	Share   float64 `json:"share"`
	BadRate float64 `json:"bad_rate"`
	// Predicted is the mean predicted bad rate of the band's rows: a
	// calibrated model's bands predict what they observe.
	Predicted float64 `json:"predicted_bad_rate"`
}

// Importance of a term: the range of its points (best bin minus worst bin
// holding training data), the scorecard world's usual measure.
type Importance struct {
	Term  string `json:"term"`
	Range int    `json:"range"`
}

// BandLimits are the score bands of the design: 350–549 poor, 550–599 fair,
// 600–649 good, 650–699 very good, 700–950 excellent.
var BandLimits = []BandRow{
	{Band: "poor", Min: 350, Max: 549}, {Band: "fair", Min: 550, Max: 599}, {Band: "good", Min: 600, Max: 649},
	{Band: "very good", Min: 650, Max: 699}, {Band: "excellent", Min: 700, Max: 950},
}

// EvalOptions add optional sections to an evaluation.
type EvalOptions struct {
	Groups []string // protected attribute per row, for fairness
	Cutoff int      // approve at or above this score (fairness); 0 means 600
	// Baseline scores (e.g. of the training data) for the PSI.
	Baseline []int
}

// Evaluate scores every row and measures the model against labels y.
func (m *Model) Evaluate(rows []Vector, y []float64, opt EvalOptions) Evaluation {
	p := make([]float64, len(rows))
	scores := make([]int, len(rows))
	drift := m.NewDrift()
	for i, x := range rows {
		r := m.Score(x)
		p[i], scores[i] = r.Probability, r.Score
		drift.Count(x, r.Score)
	}
	ev := Evaluation{Summary: Summarise(p, y, nil), Calibration: Calibration(p, y, 10),
		Bands: BandTable(scores, p, y), Importance: m.Importances(), ROC: ROC(p, y, nil),
		Scores: scores, Labels: y, Probabilities: p}
	if opt.Groups != nil {
		cutoff := opt.Cutoff
		if cutoff == 0 {
			cutoff = 600
		}
		f := FairnessReport(scores, p, y, opt.Groups, cutoff)
		ev.Fairness = &f
	}
	if m.ScoreBaseline != nil && len(rows) > 0 {
		d := drift.Drift()
		ev.Drift = &d
	}
	if opt.Baseline != nil {
		psi := PSI(opt.Baseline, scores)
		ev.PSI = &psi
	}
	return ev
}

// Calibration sorts rows by predicted risk into n groups of equal size and
// compares mean prediction with the observed bad rate in each.
func Calibration(p, y []float64, n int) []CalibrationRow {
	order := sortedByScore(p)
	out := make([]CalibrationRow, 0, n)
	for g := range n {
		lo, hi := g*len(order)/n, (g+1)*len(order)/n
		if hi == lo {
			continue
		}
		var sp, sy float64
		for _, r := range order[lo:hi] {
			sp += p[r]
			sy += y[r]
		}
		k := float64(hi - lo)
		out = append(out, CalibrationRow{Rows: hi - lo, Predicted: round6(sp / k), Observed: round6(sy / k)})
	}
	return out
}

// BandTable counts rows, observed and (with p, the predicted bad rates;
// nil leaves it out) predicted bad rates per score band.
func BandTable(scores []int, p, y []float64) []BandRow {
	out := append([]BandRow(nil), BandLimits...)
	bads, preds := make([]float64, len(out)), make([]float64, len(out))
	for i, s := range scores {
		for b := range out {
			if s >= out[b].Min && s <= out[b].Max || (b == 0 && s < out[0].Min) || (b == len(out)-1 && s > out[b].Max) {
				out[b].Rows++
				bads[b] += y[i]
				if p != nil {
					preds[b] += p[i]
				}
				break
			}
		}
	}
	for b := range out {
		if out[b].Rows > 0 {
			out[b].BadRate = round6(bads[b] / float64(out[b].Rows))
			out[b].Predicted = round6(preds[b] / float64(out[b].Rows))
			out[b].Share = round6(float64(out[b].Rows) / float64(len(scores)))
		}
	}
	return out
}

// PSI is the population stability index of actual scores against expected
// ones, over the expected scores' deciles: Σ (a − e)·ln(a/e). Below 0.1 the
// population is stable, 0.1–0.25 worth watching, above 0.25 shifted.
func PSI(expected, actual []int) float64 {
	if len(expected) == 0 || len(actual) == 0 {
		return math.NaN()
	}
	sorted := append([]int(nil), expected...)
	sort.Ints(sorted)
	var edges []int // upper bounds (exclusive) of the deciles
	for g := 1; g < 10; g++ {
		e := sorted[g*len(sorted)/10]
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	share := func(s []int) []float64 {
		c := make([]float64, len(edges)+1)
		for _, v := range s {
			c[sort.SearchInts(edges, v+1)]++
		}
		for k := range c {
			c[k] = math.Max(c[k]/float64(len(s)), 1e-4) // an empty bin would be infinite
		}
		return c
	}
	e, a := share(expected), share(actual)
	psi := 0.0
	for k := range e {
		psi += (a[k] - e[k]) * math.Log(a[k]/e[k])
	}
	return round6(psi)
}

// Importances lists every term's points range, largest first.
func (m *Model) Importances() []Importance {
	out := make([]Importance, 0, m.NumTerms())
	for t := range m.NumTerms() {
		lo, hi := m.pointsRange(t)
		out = append(out, Importance{Term: m.TermName(t), Range: hi - lo})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Range > out[j].Range })
	return out
}

// pointsRange is the lowest and highest points of term t over bins that
// hold training data.
func (m *Model) pointsRange(t int) (lo, hi int) {
	lo, hi = math.MaxInt, math.MinInt
	if t < len(m.Features) {
		for _, b := range m.Features[t].Bins {
			if b.Count > 0 {
				lo, hi = min(lo, b.Points), max(hi, b.Points)
			}
		}
	} else {
		in := &m.Interactions[t-len(m.Features)]
		for a := range in.Points {
			for b := range in.Points[a] {
				if in.Counts[a][b] > 0 {
					lo, hi = min(lo, in.Points[a][b]), max(hi, in.Points[a][b])
				}
			}
		}
	}
	if lo > hi {
		return 0, 0
	}
	return lo, hi
}
