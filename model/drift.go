package model

import (
	"fmt"
	"math"
	"sort"

	"github.com/sesame-credit/sesame/model/table"
)

// PSIAlert is the population stability index beyond which a population
// counts as shifted (0.1–0.25 is worth watching, below 0.1 stable).
const PSIAlert = 0.25

// ScoreBaseline is the training population's score distribution: the
// upper bounds (exclusive) of its score deciles and each decile's share.
// Drift of a later population is measured against it.
type ScoreBaseline struct {
	Cuts   []int     `json:"cuts"`
	Shares []float64 `json:"shares"`
}

// newScoreBaseline takes the deciles of the training scores.
func newScoreBaseline(scores []int) *ScoreBaseline {
	if len(scores) == 0 {
		return nil
	}
	sorted := append([]int(nil), scores...)
	sort.Ints(sorted)
	b := &ScoreBaseline{}
	for g := 1; g < 10; g++ {
		e := sorted[g*len(sorted)/10]
		if len(b.Cuts) == 0 || e > b.Cuts[len(b.Cuts)-1] {
			b.Cuts = append(b.Cuts, e)
		}
	}
	b.Shares = make([]float64, len(b.Cuts)+1)
	for _, s := range scores {
		b.Shares[b.bin(s)]++
	}
	for k := range b.Shares {
		b.Shares[k] = round6(b.Shares[k] / float64(len(scores)))
	}
	return b
}

func (b *ScoreBaseline) bin(score int) int { return sort.SearchInts(b.Cuts, score+1) }

// Drift is a population measured against the training baseline: the PSI
// of the score and the characteristic stability index (CSI, the same
// formula over a feature's bins) of every input.
type Drift struct {
	Rows     int                `json:"rows"`
	Score    float64            `json:"score_psi"`
	Features map[string]float64 `json:"features_csi"`
}

// DriftCounter tallies a population, record by record, for Drift. It is
// not safe for concurrent use; merge counters of parallel workers with Add.
type DriftCounter struct {
	m      *Model
	rows   int
	scores []float64   // per score decile of the baseline
	bins   [][]float64 // per feature, per bin
}

// NewDrift starts a tally against the model's training baseline.
func (m *Model) NewDrift() *DriftCounter {
	c := &DriftCounter{m: m, bins: make([][]float64, len(m.Features))}
	if m.ScoreBaseline != nil {
		c.scores = make([]float64, len(m.ScoreBaseline.Shares))
	}
	for i := range m.Features {
		c.bins[i] = make([]float64, len(m.Features[i].Bins))
	}
	return c
}

// Count adds one scored record.
func (c *DriftCounter) Count(x Vector, score int) {
	c.rows++
	if c.scores != nil {
		c.scores[c.m.ScoreBaseline.bin(score)]++
	}
	for i := range c.m.Features {
		c.bins[i][c.m.Features[i].Bin(x[i])]++
	}
}

// Add merges another counter of the same model into c.
func (c *DriftCounter) Add(o *DriftCounter) {
	c.rows += o.rows
	for k := range c.scores {
		c.scores[k] += o.scores[k]
	}
	for i := range c.bins {
		for k := range c.bins[i] {
			c.bins[i][k] += o.bins[i][k]
		}
	}
}

// Drift reports the PSI and CSIs of the records counted.
func (c *DriftCounter) Drift() Drift {
	d := Drift{Rows: c.rows, Features: make(map[string]float64, len(c.bins)), Score: math.NaN()}
	if c.rows == 0 {
		return d
	}
	if c.scores != nil {
		d.Score = round6(stability(c.m.ScoreBaseline.Shares, c.scores))
	}
	for i, f := range c.m.Features {
		expected := make([]float64, len(f.Bins))
		var total float64
		for k, b := range f.Bins {
			expected[k] = b.Count
			total += b.Count
		}
		if total == 0 {
			continue
		}
		for k := range expected {
			expected[k] /= total
		}
		e, a := tenths(expected, c.bins[i])
		d.Features[f.Name] = round6(stability(e, a))
	}
	return d
}

// tenths merges consecutive bins into groups of at least a tenth of the
// training rows each (the last group takes the remainder), and returns the
// groups' expected shares and counts. A feature has up to 1,024 bins, cut
// for the model's resolution: over bins that fine, the sampling noise of a
// few thousand people alone reads as a shift, where the index is meant to
// be taken over deciles.
func tenths(expected, counts []float64) (e, a []float64) {
	var se, sa float64
	for k := range expected {
		se, sa = se+expected[k], sa+counts[k]
		if se >= 0.1 {
			e, a = append(e, se), append(a, sa)
			se, sa = 0, 0
		}
	}
	if se > 0 || sa > 0 {
		if len(e) == 0 {
			return []float64{se}, []float64{sa}
		}
		e[len(e)-1] += se
		a[len(a)-1] += sa
	}
	return e, a
}

// stability is Σ (a − e)·ln(a/e) over bins, with expected shares e and
// actual counts a; a share below 1e-4 counts as 1e-4 (an empty bin would
// be infinite).
func stability(expected, counts []float64) float64 {
	var n float64
	for _, v := range counts {
		n += v
	}
	var s float64
	for k, e := range expected {
		if e == 0 && counts[k] == 0 {
			continue // a bin neither population reaches
		}
		e = math.Max(e, 1e-4)
		a := math.Max(counts[k]/n, 1e-4)
		s += (a - e) * math.Log(a/e)
	}
	return s
}

// trainingScores are the clamped scores of the training rows.
func (tr *trainer) trainingScores(m *Model) []int {
	sum := make([]int, tr.d.Rows())
	for j := range m.Features {
		for i, b := range tr.mains[j].bins {
			sum[i] += m.Features[j].Bins[b].Points
		}
	}
	for _, in := range m.Interactions {
		a, b := tr.axisBins[in.index[0]], tr.axisBins[in.index[1]]
		for i := range sum {
			sum[i] += in.Points[a[i]][b[i]]
		}
	}
	for i := range sum {
		sum[i] = m.Scaling.clamp(sum[i])
	}
	return sum
}

// DriftTally is a DriftCounter's counts as data, so that parts of one
// population counted apart (the ranges of a deployment's full rescore,
// scored on several replicas and resumed after crashes) can be stored and
// merged before the PSI is taken: PSI of the parts does not add up.
type DriftTally struct {
	Rows   int         `json:"rows"`
	Scores []float64   `json:"scores,omitempty"`
	Bins   [][]float64 `json:"bins"`
}

// Tally returns a copy of the counts.
func (c *DriftCounter) Tally() DriftTally {
	t := DriftTally{Rows: c.rows, Bins: make([][]float64, len(c.bins))}
	if c.scores != nil {
		t.Scores = append([]float64(nil), c.scores...)
	}
	for i := range c.bins {
		t.Bins[i] = append([]float64(nil), c.bins[i]...)
	}
	return t
}

// AddTally merges counts taken against the same model into c. It refuses a
// tally of another shape (another model's), leaving c unchanged.
func (c *DriftCounter) AddTally(t DriftTally) error {
	if len(t.Bins) != len(c.bins) || (t.Scores != nil && len(t.Scores) != len(c.scores)) {
		return fmt.Errorf("drift tally of %d features and %d score bins, not this model's %d and %d", len(t.Bins), len(t.Scores), len(c.bins), len(c.scores))
	}
	for i := range c.bins {
		if len(t.Bins[i]) != len(c.bins[i]) {
			return fmt.Errorf("drift tally of %d bins for feature %d, not this model's %d", len(t.Bins[i]), i, len(c.bins[i]))
		}
	}
	c.rows += t.Rows
	for k := range t.Scores {
		c.scores[k] += t.Scores[k]
	}
	for i := range c.bins {
		for k := range c.bins[i] {
			c.bins[i][k] += t.Bins[i][k]
		}
	}
	return nil
}

// DriftOf measures a population given as model rows (a column per input,
// as for EncodeTable) against the training baseline: the PSI of the scores
// the model gives it and every input's CSI. Registration takes it on the
// people a new version is about to score.
func (m *Model) DriftOf(t *table.Table) (Drift, error) {
	vecs, err := m.EncodeTable(t)
	if err != nil {
		return Drift{}, err
	}
	c := m.NewDrift()
	for _, x := range vecs {
		c.Count(x, m.Score(x).Score)
	}
	return c.Drift(), nil
}
