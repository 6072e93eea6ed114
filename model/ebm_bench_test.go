package model

import (
	"math/rand/v2"
	"testing"
)

// benchTerms makes rows of random terms with nbins bins each (pairs of
// axis×axis bins when axis > 0) and labels drawn from a random start.
func benchTerms(rows, terms, nbins, axis int) ([]term, []float64, []float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	y, start := make([]float64, rows), make([]float64, rows)
	for i := range y {
		start[i] = rng.NormFloat64() - 1.3
		if rng.Float64() < logistic(start[i]) {
			y[i] = 1
		}
	}
	out := make([]term, terms)
	for t := range out {
		bins := make([]uint16, rows)
		for i := range bins {
			bins[i] = uint16(rng.IntN(nbins))
		}
		out[t] = term{bins: bins, n: nbins}
		if axis > 0 {
			out[t].na, out[t].nb = axis, axis
		}
	}
	return out, y, start
}

// BenchmarkBoostPairs times one bag's boosting of 66 pair terms of 64×64
// bins on 21,000 rows (the shape of Taiwan's pair stage), 10 rounds.
func BenchmarkBoostPairs(b *testing.B) {
	terms, y, start := benchTerms(21000, 66, 64*64, 64)
	split := splitBag(y, 0.15, 1, 0)
	p := boostParams{lr: 0.2, l2: 1, tol: 1e-5, minCount: 4, minMainCount: 4, maxLeaves: 3, maxRounds: 10, patience: 1 << 30}
	for b.Loop() {
		boost(terms, y, nil, start, split, p)
	}
}

// BenchmarkBoostMains times one bag's boosting of 22 main effects of 1,024
// bins on 21,000 rows (the shape of Taiwan's main effects), 10 rounds: the
// row loop, mostly.
func BenchmarkBoostMains(b *testing.B) {
	terms, y, start := benchTerms(21000, 22, 1024, 0)
	split := splitBag(y, 0.15, 1, 0)
	p := boostParams{lr: 0.2, l2: 1, tol: 1e-5, minCount: 4, minMainCount: 100, maxLeaves: 3, maxRounds: 10, patience: 1 << 30}
	for b.Loop() {
		boost(terms, y, nil, start, split, p)
	}
}
