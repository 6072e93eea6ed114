package model

import "math"

// Reasons rank factors, never pairs. A pair term's points are attributed to
// its two features by the Shapley values of the two-player game "move the
// pair's cell from its reference — the best well-supported cell (a*, b*) —
// to the person's cell (a, b)". With f the pair's points, the loss
// f(a*,b*) − f(a,b) splits exactly into
//
//	A: ½[f(a*,b*) − f(a,b*)] + ½[f(a*,b) − f(a,b)]
//	B: ½[f(a*,b*) − f(a*,b)] + ½[f(a,b*) − f(a,b)]
//
// which sum to the pair's loss. A feature's points lost are its main
// effect's gap to its best bin plus its shares of its pairs' losses, so the
// points lost per feature add up to the points lost in total.

// PairShares is the Shapley split of pair p's loss in cell (a, b) against
// its reference cell: the points lost by its first and second feature.
func (m *Model) PairShares(p, a, b int) (lostA, lostB float64) {
	in := &m.Interactions[p]
	ra, rb := m.pairRef[p][0], m.pairRef[p][1]
	ref, here := float64(in.Points[ra][rb]), float64(in.Points[a][b])
	aRef, refB := float64(in.Points[a][rb]), float64(in.Points[ra][b])
	lostA = 0.5*(ref-aRef) + 0.5*(refB-here)
	lostB = 0.5*(ref-refB) + 0.5*(aRef-here)
	return lostA, lostB
}

// FeatureLosses writes into dst (len(m.Features), allocated when nil) the
// points each feature of x loses against the best attainable: its main
// effect's gap plus its Shapley shares of its pairs. A neutral absence
// loses nothing. The sum over features equals the sum over terms of each
// term's gap to its reference.
func (m *Model) FeatureLosses(x Vector, dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(m.Features))
	}
	for i := range m.Features {
		f := &m.Features[i]
		k := f.Bin(x[i])
		if k == m.NeutralBin(i) {
			dst[i] = 0
			continue
		}
		dst[i] = float64(m.best[i] - f.Bins[k].Points)
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		a, b := in.cell(x)
		la, lb := m.PairShares(p, a, b)
		dst[in.index[0]] += la
		dst[in.index[1]] += lb
	}
	return dst
}

// pairReference finds pair p's reference cell: the cell with the most
// points among those with MinPairCellCount training rows (missing bins
// excluded), or among any with data when none is that well supported. Ties
// go to the first in row order. Its points are BestPoints of the pair.
func (m *Model) pairReference(p int) [2]int {
	in := &m.Interactions[p]
	ma, mb := in.Axes[0].MissingBin(), in.Axes[1].MissingBin()
	for _, support := range []float64{MinPairCellCount, 1e-9} {
		best, at := math.MinInt, [2]int{-1, -1}
		for a := range in.Points {
			for b := range in.Points[a] {
				if in.Counts[a][b] >= support && a != ma && b != mb && in.Points[a][b] > best {
					best, at = in.Points[a][b], [2]int{a, b}
				}
			}
		}
		if at[0] >= 0 {
			return at
		}
	}
	return [2]int{0, 0} // only missing data: the first cell stands in
}
