package model

import "math"

// applyMonotone enforces each feature's constraint on its averaged shape by
// weighted isotonic regression over the ordered (numeric) bins, weighted by
// how many training rows each bin holds — InterpretML's approach. Missing and
// special bins are left free: a sentinel has no place in the order. With
// MonotoneAuto, a numeric feature whose shape already trends clearly one way
// (|weighted rank correlation| ≥ autoMonotoneMin) is constrained that way.
func (tr *trainer) applyMonotone(features []Feature, shapes [][]float64) {
	for j := range features {
		f := &features[j]
		if f.Type != numeric {
			continue
		}
		n := f.regularBins()
		counts := make([]float64, n)
		for i, b := range tr.mains[j].bins {
			if int(b) < n {
				counts[b] += weightAt(tr.d.Weight, i)
			}
		}
		if f.Monotone == 0 && tr.cfg.MonotoneAuto && n >= 3 {
			// Points rise when ln(odds of bad) falls.
			if c := rankCorrelation(shapes[j][:n], counts); math.Abs(c) >= autoMonotoneMin {
				f.Monotone = -int(math.Copysign(1, c))
			}
		}
		if f.Monotone == 0 {
			continue
		}
		// Non-increasing ln(odds) means non-decreasing points: fit the
		// increasing case on the negated shape.
		sign := float64(f.Monotone) // +1: points up ⇔ logit down
		v := make([]float64, n)
		for k := range v {
			v[k] = sign * shapes[j][k]
		}
		isotonicDecreasing(v, counts)
		for k := range v {
			shapes[j][k] = sign * v[k]
		}
	}
}

// autoMonotoneMin is how clear a trend must be for --monotone auto to impose
// it; below it the shape is left free (e.g. a U-shaped age effect).
const autoMonotoneMin = 0.7

// isotonicDecreasing replaces v by its weighted least-squares fit that never
// increases, by pool-adjacent-violators. Bins of weight 0 take the value of
// the block they fall in.
func isotonicDecreasing(v, w []float64) {
	type block struct {
		sum, w float64
		n      int
	}
	var blocks []block
	for k := range v {
		wk := w[k]
		if wk == 0 {
			wk = 1e-9 // keep empty bins in the order without pulling on it
		}
		blocks = append(blocks, block{v[k] * wk, wk, 1})
		for len(blocks) > 1 {
			last, prev := blocks[len(blocks)-1], blocks[len(blocks)-2]
			if prev.sum/prev.w >= last.sum/last.w {
				break
			}
			blocks = blocks[:len(blocks)-2]
			blocks = append(blocks, block{prev.sum + last.sum, prev.w + last.w, prev.n + last.n})
		}
	}
	k := 0
	for _, b := range blocks {
		mean := b.sum / b.w
		for range b.n {
			v[k] = mean
			k++
		}
	}
}

// rankCorrelation is the weighted Pearson correlation between bin position
// and value: positive when the shape rises with the feature.
func rankCorrelation(v, w []float64) float64 {
	var sw, mx, my float64
	for k, x := range v {
		sw += w[k]
		mx += w[k] * float64(k)
		my += w[k] * x
	}
	if sw == 0 {
		return 0
	}
	mx /= sw
	my /= sw
	var sxy, sxx, syy float64
	for k, x := range v {
		dx, dy := float64(k)-mx, x-my
		sxy += w[k] * dx * dy
		sxx += w[k] * dx * dx
		syy += w[k] * dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}
