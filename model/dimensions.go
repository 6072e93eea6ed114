package model

import (
	"math"
	"slices"
)

// Medians are the training population's median score and median points per
// dimension. A dimension's score is defined as
//
//	dimension score = median score + (the dimension's points − its median points)
//
// clamped to the scale, so that each dimension's median over the population
// equals the overall median: a typical person's dimensions sit at their
// score, and a dimension above it says that part of the record earns more
// than it does for a typical person. A dimension's points are its features'
// main-effect points plus the points of the pairs whose first feature it
// holds, so the dimensions' points add up to the score's points.
type Medians struct {
	Score      int                `json:"score"`
	Dimensions map[string]float64 `json:"dimensions"`
}

// DimensionScore is the score shown for a dimension with the given points
// (see Medians); without medians (an artifact from before them) it is 0.
func (m *Model) DimensionScore(dimension string, points float64) int {
	if m.Medians == nil {
		return 0
	}
	s := float64(m.Medians.Score) + points - m.Medians.Dimensions[dimension]
	return m.Scaling.clamp(int(math.Round(s)))
}

// medians computes Medians over the training rows from the scaled tables.
func (tr *trainer) medians(m *Model) *Medians {
	rows := tr.d.Rows()
	if rows == 0 {
		return nil
	}
	scores := make([]float64, rows)
	dims := map[string][]float64{}
	for _, d := range Dimensions {
		dims[d] = make([]float64, rows)
	}
	for j := range m.Features {
		f := &m.Features[j]
		col := dims[f.Dimension]
		if col == nil {
			col = make([]float64, rows)
			dims[f.Dimension] = col
		}
		for i, b := range tr.mains[j].bins {
			p := float64(f.Bins[b].Points)
			scores[i] += p
			col[i] += p
		}
	}
	for _, in := range m.Interactions {
		col := dims[m.Features[in.index[0]].Dimension]
		a, b := tr.axisBins[in.index[0]], tr.axisBins[in.index[1]]
		for i := range rows {
			p := float64(in.Points[a[i]][b[i]])
			scores[i] += p
			col[i] += p
		}
	}
	for i, s := range scores {
		scores[i] = float64(m.Scaling.clamp(int(s)))
	}
	out := &Medians{Score: int(math.Round(median(scores))), Dimensions: map[string]float64{}}
	for d, col := range dims {
		out.Dimensions[d] = median(col)
	}
	return out
}

// median of x (the mean of the middle two for an even count); it sorts x.
func median(x []float64) float64 {
	slices.Sort(x)
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}
