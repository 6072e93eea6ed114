package model

import (
	"cmp"
	"slices"
)

// Tiny trees on the bins of one term. Each returns, per bin, the Newton step
// (−G/(H+λ)) of the leaf the bin falls in; the caller scales it by the
// learning rate. Bins are taken in their stored order: numeric intervals
// first, then special values and missing, which a cut can set apart.

// leafGain is the reduction of the second-order loss a leaf gives.
func leafGain(g, h, l2 float64) float64 { return g * g / (h + l2) }

// segment is a run of bins [lo, hi) with its sums.
type segment struct {
	lo, hi  int
	g, h, c float64
}

// bestCut finds the cut inside seg that gains most; ok is false when no cut
// leaves minCount rows on both sides or none gains anything.
func bestCut(G, H, C []float64, seg segment, minCount, l2 float64) (cut int, gain float64, ok bool) {
	parent := leafGain(seg.g, seg.h, l2)
	var gl, hl, cl float64
	for k := seg.lo; k < seg.hi-1; k++ {
		gl += G[k]
		hl += H[k]
		cl += C[k]
		if cl < minCount {
			continue
		}
		if seg.c-cl < minCount {
			break
		}
		if g := leafGain(gl, hl, l2) + leafGain(seg.g-gl, seg.h-hl, l2) - parent; g > gain {
			cut, gain, ok = k+1, g, true
		}
	}
	return cut, gain, ok
}

func sumSegment(G, H, C []float64, lo, hi int) segment {
	s := segment{lo: lo, hi: hi}
	for k := lo; k < hi; k++ {
		s.g += G[k]
		s.h += H[k]
		s.c += C[k]
	}
	return s
}

// fitOrdered grows a tree of at most maxLeaves leaves over ordered bins,
// greedily splitting the leaf whose best cut gains most, and writes each
// bin's leaf step into step. It returns false when no split helps.
func fitOrdered(G, H, C []float64, maxLeaves int, minCount, l2 float64, step []float64) bool {
	leaves := []segment{sumSegment(G, H, C, 0, len(G))}
	for len(leaves) < maxLeaves {
		bestLeaf, bestAt, bestGain := -1, 0, 0.0
		for i, s := range leaves {
			if cut, gain, ok := bestCut(G, H, C, s, minCount, l2); ok && gain > bestGain {
				bestLeaf, bestAt, bestGain = i, cut, gain
			}
		}
		if bestLeaf < 0 {
			break
		}
		s := leaves[bestLeaf]
		left := sumSegment(G, H, C, s.lo, bestAt)
		right := segment{lo: bestAt, hi: s.hi, g: s.g - left.g, h: s.h - left.h, c: s.c - left.c}
		leaves[bestLeaf] = left
		leaves = append(leaves, right)
	}
	if len(leaves) == 1 {
		return false
	}
	for _, s := range leaves {
		v := -s.g / (s.h + l2)
		for k := s.lo; k < s.hi; k++ {
			step[k] = v
		}
	}
	return true
}

// fitPerBin gives every bin its own leaf: used for categorical features,
// whose levels have no order a cut could follow. Rare levels are already
// grouped, and the learning rate keeps single steps small.
func fitPerBin(G, H, C []float64, minCount, l2 float64, step []float64) bool {
	any := false
	for k := range G {
		if C[k] < minCount {
			step[k] = 0
			continue
		}
		step[k] = -G[k] / (H[k] + l2)
		any = true
	}
	return any
}

// fitPair grows the 4-leaf tree GA²M uses for a pair: one cut on one axis,
// then one cut on the other axis in each half. Both orientations are tried.
// G, H, C are row-major [a*nb+b].
//
// Rows and columns of the grid no fit row falls in (C == 0, so G == H == 0
// too) are left out of the scan: a cut beside an empty one gains exactly
// what the cut before it gains, and only a strictly better gain moves the
// best cut, so the result is the one the full scan finds. Correlated
// features leave much of a 64×64 grid empty.
func fitPair(G, H, C []float64, na, nb int, catA, catB bool, minCount, l2 float64, step []float64, scratch *pairScratch) bool {
	bestGain, found := 0.0, false
	var bestLeaves [4]float64
	var bestCuts [3]int
	var bestAxis int
	// A categorical axis has no order a cut could follow: its levels are
	// taken in order of the step's mean gradient ratio over the other
	// axis, so that a cut can split the riskier levels from the rest.
	permA, rankA := axisOrder(G, H, na, nb, true, catA, l2, &scratch.permA, &scratch.rankA, &scratch.ratio)
	permB, rankB := axisOrder(G, H, na, nb, false, catB, l2, &scratch.permB, &scratch.rankB, &scratch.ratio)
	// The positions (in axis order) of the rows and columns holding data.
	usedA, usedB := scratch.used(na, nb)
	for i, a := range permA {
		for _, b := range permB {
			if C[a*nb+b] != 0 {
				usedA = append(usedA, i)
				break
			}
		}
	}
	for j, b := range permB {
		for _, a := range permA {
			if C[a*nb+b] != 0 {
				usedB = append(usedB, j)
				break
			}
		}
	}
	scratch.usedA, scratch.usedB = usedA, usedB
	for axis := 0; axis < 2; axis++ {
		// used1, used2: the non-empty positions on the axis cut first and
		// on the other; cells[x*m2+y] is the cell at their x-th and y-th.
		used1, used2, n1, n2 := usedA, usedB, na, nb
		if axis == 1 {
			used1, used2, n1, n2 = usedB, usedA, nb, na
		}
		m1, m2 := len(used1), len(used2)
		cells := scratch.grid(m1 * m2)
		for x, i := range used1 {
			row := cells[x*m2 : (x+1)*m2]
			for y, j := range used2 {
				var k int
				if axis == 0 {
					k = permA[i]*nb + permB[j]
				} else {
					k = permA[j]*nb + permB[i]
				}
				row[y] = [3]float64{G[k], H[k], C[k]}
			}
		}
		// below[y]: sums over first-axis bins < cut1, for second-axis bin y.
		below, total, above := scratch.strips(m2)
		for x := range m1 {
			row := cells[x*m2 : (x+1)*m2]
			for y := range row {
				total[y][0] += row[y][0]
				total[y][1] += row[y][1]
				total[y][2] += row[y][2]
			}
		}
		for x := range m1 {
			// The cut just after the x-th non-empty row; the cuts up to
			// the next non-empty row gain the same.
			cut1 := used1[x] + 1
			if cut1 >= n1 {
				break
			}
			row := cells[x*m2 : (x+1)*m2]
			for y := range row {
				below[y][0] += row[y][0]
				below[y][1] += row[y][1]
				below[y][2] += row[y][2]
			}
			gainLo, cutLo, leavesLo, okLo := best1D(below, minCount, l2)
			// Written out, not looped over the three sums: the compiler
			// does not unroll such a loop, and this runs for every cell.
			for y := range above {
				above[y] = [3]float64{total[y][0] - below[y][0], total[y][1] - below[y][1], total[y][2] - below[y][2]}
			}
			gainHi, cutHi, leavesHi, okHi := best1D(above, minCount, l2)
			if !okLo || !okHi {
				continue
			}
			if g := gainLo + gainHi; g > bestGain {
				bestGain, found = g, true
				bestLeaves = [4]float64{leavesLo[0], leavesLo[1], leavesHi[0], leavesHi[1]}
				bestCuts = [3]int{cut1, cutAt(used2, cutLo, n2), cutAt(used2, cutHi, n2)}
				bestAxis = axis
			}
		}
	}
	if !found {
		return false
	}
	for a := 0; a < na; a++ {
		for b := 0; b < nb; b++ {
			i, j := rankA[a], rankB[b]
			if bestAxis == 1 {
				i, j = j, i
			}
			var leaf int
			if i < bestCuts[0] {
				leaf = boolInt(j >= bestCuts[1])
			} else {
				leaf = 2 + boolInt(j >= bestCuts[2])
			}
			step[a*nb+b] = bestLeaves[leaf]
		}
	}
	return true
}

// cutAt maps a cut before the cut-th of the non-empty positions used to
// the full axis of n positions: just after the last non-empty one on the
// low side, where the full scan finds it first. A strip left whole is n.
func cutAt(used []int, cut, n int) int {
	if cut >= len(used) {
		return n
	}
	return used[cut-1] + 1
}

// pairScratch holds fitPair's working strips, grid and axis orders, reused
// across steps so the pair stage does not allocate in its inner loop.
type pairScratch struct {
	below, total, above        [][3]float64
	cells                      [][3]float64
	permA, rankA, permB, rankB []int
	usedA, usedB               []int
	ratio                      []float64 // a categorical axis's sums and order (axisOrder)
}

// used returns the two position lists, emptied, with room for na and nb.
func (s *pairScratch) used(na, nb int) (a, b []int) {
	if cap(s.usedA) < na {
		s.usedA = make([]int, 0, na)
	}
	if cap(s.usedB) < nb {
		s.usedB = make([]int, 0, nb)
	}
	return s.usedA[:0], s.usedB[:0]
}

// grid returns a cell buffer of length n (not zeroed).
func (s *pairScratch) grid(n int) [][3]float64 {
	if cap(s.cells) < n {
		s.cells = make([][3]float64, n)
	}
	return s.cells[:n]
}

// axisOrder returns the order in which fitPair takes an axis's bins (perm:
// position → bin) and its inverse (rank: bin → position): the stored order
// for a numeric axis, and for a categorical one the bins sorted by
// −G/(H+λ) summed over the other axis (ties by bin, for determinism),
// worked out in ratio.
func axisOrder(G, H []float64, na, nb int, first, cat bool, l2 float64, perm, rank *[]int, ratio *[]float64) ([]int, []int) {
	n := nb
	if first {
		n = na
	}
	if cap(*perm) < n {
		*perm, *rank = make([]int, n), make([]int, n)
	}
	p, r := (*perm)[:n], (*rank)[:n]
	for k := range p {
		p[k] = k
	}
	if cat {
		if cap(*ratio) < 2*n {
			*ratio = make([]float64, 2*n)
		}
		g, h := (*ratio)[:n], (*ratio)[n:2*n]
		clear(g)
		clear(h)
		for a := range na {
			for b := range nb {
				k := a
				if !first {
					k = b
				}
				g[k] += G[a*nb+b]
				h[k] += H[a*nb+b]
			}
		}
		for k := range g {
			g[k] = -g[k] / (h[k] + l2)
		}
		slices.SortStableFunc(p, func(x, y int) int { return cmp.Compare(g[x], g[y]) })
	}
	for pos, k := range p {
		r[k] = pos
	}
	return p, r
}

// strips returns the three strips, zeroed, of length n.
func (s *pairScratch) strips(n int) (below, total, above [][3]float64) {
	if cap(s.below) < n {
		s.below, s.total, s.above = make([][3]float64, n), make([][3]float64, n), make([][3]float64, n)
	}
	below, total, above = s.below[:n], s.total[:n], s.above[:n]
	clear(below)
	clear(total)
	return below, total, above
}

// best1D finds the best single cut of a strip of bins, returning the total
// leaf gain (not net of the parent, so halves compare on equal terms) and the
// two leaf steps.
func best1D(s [][3]float64, minCount, l2 float64) (gain float64, cut int, leaves [2]float64, ok bool) {
	var tg, th, tc float64
	// Indexed rather than ranged by value, which copies each cell through
	// the stack first.
	for k := range s {
		tg += s[k][0]
		th += s[k][1]
		tc += s[k][2]
	}
	if tc < minCount {
		return 0, 0, leaves, false
	}
	// A strip that cannot be cut is one leaf.
	gain, cut, ok = leafGain(tg, th, l2), len(s), true
	leaves = [2]float64{-tg / (th + l2), -tg / (th + l2)}
	var gl, hl, cl float64
	for k := 0; k < len(s)-1; k++ {
		gl += s[k][0]
		hl += s[k][1]
		cl += s[k][2]
		if cl < minCount || tc-cl < minCount {
			continue
		}
		if g := leafGain(gl, hl, l2) + leafGain(tg-gl, th-hl, l2); g > gain {
			gain, cut = g, k+1
			leaves = [2]float64{-gl / (hl + l2), -(tg - gl) / (th - hl + l2)}
		}
	}
	return gain, cut, leaves, ok
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
