package model

import (
	"sort"
	"sync/atomic"
)

// pairTerm is a pair of features being trained as one term.
type pairTerm struct {
	a, b  int // feature positions, a < b
	gain  float64
	term  term
	shape []float64 // [a*nb+b], after training
}

// selectPairs ranks every eligible pair of features by FAST (Lou et al.
// 2013): the best gain of a single 2×2 cut of the pair's coarse bins on the
// gradients of the main-effect model. Cumulative histograms make each cut
// O(1), so screening costs one pass over the rows per pair. It returns the k
// best with positive gain, ties broken by feature order.
func (tr *trainer) selectPairs(mainLogit []float64, eligible []bool, k int) []pairTerm {
	if k <= 0 {
		return nil
	}
	y, w := tr.d.Label, tr.d.Weight
	g, h := make([]float64, len(y)), make([]float64, len(y))
	for i, z := range mainLogit {
		p := logistic(z)
		wi := weightAt(w, i)
		g[i], h[i] = wi*(p-y[i]), wi*p*(1-p)
	}
	var cands []pairTerm
	for a := range tr.axes {
		for b := a + 1; b < len(tr.axes); b++ {
			if eligible[a] && eligible[b] {
				cands = append(cands, pairTerm{a: a, b: b})
			}
		}
	}
	var done atomic.Int64
	parallel(len(cands), tr.cfg.Parallelism, func(c int) {
		p := &cands[c]
		na, nb := tr.axes[p.a].NumBins(), tr.axes[p.b].NumBins()
		bins := make([]uint16, len(y))
		ba, bb := tr.axisBins[p.a], tr.axisBins[p.b]
		for i := range bins {
			bins[i] = ba[i]*uint16(nb) + bb[i]
		}
		p.term = term{bins: bins, n: na * nb, na: na, nb: nb,
			catA: tr.axes[p.a].Type == categorical, catB: tr.axes[p.b].Type == categorical}
		p.gain = fastGain(bins, g, h, na, nb, tr.cfg.MinLeafCount, tr.cfg.L2)
		tr.progress.report("screening", int(done.Add(1)), len(cands))
	})
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].gain > cands[j].gain })
	var out []pairTerm
	for _, c := range cands {
		if len(out) == k || c.gain <= 0 {
			break
		}
		out = append(out, c)
	}
	// Train and store pairs in feature order, so the artifact reads naturally.
	sort.Slice(out, func(i, j int) bool {
		if out[i].a != out[j].a {
			return out[i].a < out[j].a
		}
		return out[i].b < out[j].b
	})
	return out
}

// fastGain is the best gain of cutting the pair's grid into four quadrants.
func fastGain(bins []uint16, g, h []float64, na, nb int, minCount, l2 float64) float64 {
	// Prefix sums over the grid, with a zero border: P[(i)*(nb+1)+j] sums
	// cells with a < i and b < j.
	w := nb + 1
	PG, PH, PC := make([]float64, (na+1)*w), make([]float64, (na+1)*w), make([]float64, (na+1)*w)
	for i, k := range bins {
		a, b := int(k)/nb, int(k)%nb
		at := (a+1)*w + b + 1
		PG[at] += g[i]
		PH[at] += h[i]
		PC[at]++
	}
	for a := 1; a <= na; a++ {
		for b := 1; b <= nb; b++ {
			at := a*w + b
			PG[at] += PG[at-w] + PG[at-1] - PG[at-w-1]
			PH[at] += PH[at-w] + PH[at-1] - PH[at-w-1]
			PC[at] += PC[at-w] + PC[at-1] - PC[at-w-1]
		}
	}
	total := func(P []float64) float64 { return P[na*w+nb] }
	tg, th, tc := total(PG), total(PH), total(PC)
	parent := leafGain(tg, th, l2)
	best := 0.0
	for i := 1; i < na; i++ {
		for j := 1; j < nb; j++ {
			// Quadrants: low-low, low-high, high-low, high-high.
			ll := [3]float64{PG[i*w+j], PH[i*w+j], PC[i*w+j]}
			lowA := [3]float64{PG[i*w+nb], PH[i*w+nb], PC[i*w+nb]}
			lowB := [3]float64{PG[na*w+j], PH[na*w+j], PC[na*w+j]}
			lh := [3]float64{lowA[0] - ll[0], lowA[1] - ll[1], lowA[2] - ll[2]}
			hl := [3]float64{lowB[0] - ll[0], lowB[1] - ll[1], lowB[2] - ll[2]}
			hh := [3]float64{tg - lowA[0] - hl[0], th - lowA[1] - hl[1], tc - lowA[2] - hl[2]}
			if ll[2] < minCount || lh[2] < minCount || hl[2] < minCount || hh[2] < minCount {
				continue
			}
			gain := leafGain(ll[0], ll[1], l2) + leafGain(lh[0], lh[1], l2) +
				leafGain(hl[0], hl[1], l2) + leafGain(hh[0], hh[1], l2) - parent
			if gain > best {
				best = gain
			}
		}
	}
	return best
}

// interaction turns a trained pair into the artifact's table form.
func (tr *trainer) interaction(p pairTerm) Interaction {
	fa, fb := tr.features[p.a], tr.features[p.b]
	ax, bx := tr.axes[p.a], tr.axes[p.b]
	na, nb := ax.NumBins(), bx.NumBins()
	in := Interaction{
		Name:     fa.Name + " × " + fb.Name,
		Features: [2]string{fa.Name, fb.Name},
		Axes:     [2]Binning{ax, bx},
		Logits:   make([][]float64, na),
		Points:   make([][]int, na),
		Counts:   make([][]float64, na),
		index:    [2]int{p.a, p.b},
	}
	for s, ab := range [2]Binning{ax, bx} {
		for k := range ab.NumBins() {
			in.Labels[s] = append(in.Labels[s], ab.Label(k))
		}
	}
	for a := range na {
		in.Logits[a] = append([]float64(nil), p.shape[a*nb:(a+1)*nb]...)
		in.Points[a] = make([]int, nb)
		in.Counts[a] = make([]float64, nb)
	}
	return in
}
