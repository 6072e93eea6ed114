package model

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

const (
	numeric     = "numeric"
	categorical = "categorical"
)

// NumBins is the number of bins the binning produces, missing included.
func (b *Binning) NumBins() int {
	if b.Type == categorical {
		return len(b.Levels) + 2 // levels, other, missing
	}
	return len(b.Cuts) + 1 + len(b.Specials) + 1
}

// MissingBin is the index of the missing-value bin (always the last).
func (b *Binning) MissingBin() int { return b.NumBins() - 1 }

// regularBins is the number of ordered bins: numeric intervals, or levels.
func (b *Binning) regularBins() int {
	if b.Type == categorical {
		return len(b.Levels)
	}
	return len(b.Cuts) + 1
}

// Bin returns the bin of x: a number for numeric features, a level code for
// categorical ones (see Binning); NaN is missing.
func (b *Binning) Bin(x float64) int {
	if x != x { // NaN
		return b.NumBins() - 1
	}
	if b.Type == categorical {
		if x < 0 || int(x) >= len(b.Levels) {
			return len(b.Levels) // other
		}
		return int(x)
	}
	for k, s := range b.Specials {
		if x == s {
			return len(b.Cuts) + 1 + k
		}
	}
	// Number of cuts <= x, by binary search: bin k holds Cuts[k-1] <= x < Cuts[k].
	lo, hi := 0, len(b.Cuts)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if b.Cuts[mid] <= x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// Label is a readable description of bin k, used in reasons and reports.
func (b *Binning) Label(k int) string {
	if k == b.NumBins()-1 {
		return "missing"
	}
	if b.Type == categorical {
		if k < len(b.Levels) {
			return b.Levels[k]
		}
		return "other"
	}
	n := len(b.Cuts)
	switch {
	case k > n:
		return "= " + fmtNum(b.Specials[k-n-1])
	case n == 0:
		return "any value"
	case k == 0:
		return "< " + fmtNum(b.Cuts[0])
	case k == n:
		return ">= " + fmtNum(b.Cuts[n-1])
	default:
		return "[" + fmtNum(b.Cuts[k-1]) + ", " + fmtNum(b.Cuts[k]) + ")"
	}
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// binningOptions control how a column is cut into bins.
type binningOptions struct {
	maxBins     int     // regular bins, at most
	minBinShare float64 // a numeric bin holds at least this share of rows
	minLevel    float64 // a category needs this many rows to get its own bin
	specials    []float64
}

// numericBinning cuts a numeric column at weighted quantiles of its
// distinct values (sorted, specials already removed). Cuts are data values
// (a bin starts at the first value it holds), so labels read like the data.
// Columns with few distinct values get one bin per value.
func numericBinning(distinct []valueCount, opt binningOptions) Binning {
	total := 0.0
	for _, d := range distinct {
		total += d.c
	}
	b := Binning{Type: numeric, Specials: slices.Clone(opt.specials)}
	if len(distinct) <= opt.maxBins {
		for i := 1; i < len(distinct); i++ {
			b.Cuts = append(b.Cuts, distinct[i].v)
		}
		return b
	}
	target := math.Max(total/float64(opt.maxBins), total*opt.minBinShare)
	acc := 0.0
	for i := 0; i < len(distinct)-1; i++ {
		acc += distinct[i].c
		if acc >= target {
			b.Cuts = append(b.Cuts, distinct[i+1].v)
			acc = 0
		}
	}
	// Fold a too-small last bin into its neighbour.
	if acc+distinct[len(distinct)-1].c < target/2 && len(b.Cuts) > 0 {
		b.Cuts = b.Cuts[:len(b.Cuts)-1]
	}
	return b
}

// categoricalBinning gives each frequent level a bin, ordered by frequency
// (ties by name, for determinism); rare levels share the "other" bin.
func categoricalBinning(xs []string, w []float64, opt binningOptions) Binning {
	count := map[string]float64{}
	for i, x := range xs {
		if x == "" {
			continue
		}
		c := 1.0
		if w != nil {
			c = w[i]
		}
		count[x] += c
	}
	var levels []string
	for l, c := range count {
		if c >= opt.minLevel {
			levels = append(levels, l)
		}
	}
	slices.SortFunc(levels, func(a, b string) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c // more frequent first
		}
		return cmp.Compare(a, b)
	})
	if len(levels) > opt.maxBins {
		levels = levels[:opt.maxBins]
	}
	return Binning{Type: categorical, Levels: levels}
}

// detectSpecials finds sentinel codes such as 96 and 98 in a count column:
// nines-like integers (>= 90) beyond every ordinary value and more than
// three times the ordinary values' 99.5th percentile. They get bins of their
// own instead of stretching the top bin. distinct is sorted.
func detectSpecials(distinct []valueCount) []float64 {
	var candidates []float64
	var ordinary []valueCount
	total := 0.0
	for _, d := range distinct {
		if d.v >= 90 && d.v == math.Trunc(d.v) && isSentinelLike(d.v) {
			candidates = append(candidates, d.v)
			continue
		}
		ordinary = append(ordinary, d)
		total += d.c
	}
	if len(candidates) == 0 || len(ordinary) == 0 {
		return nil
	}
	p995, acc := ordinary[len(ordinary)-1].v, 0.0
	for _, d := range ordinary {
		if acc += d.c; acc >= 0.995*total {
			p995 = d.v
			break
		}
	}
	maxOrdinary := ordinary[len(ordinary)-1].v
	var specials []float64
	for _, v := range candidates {
		if v > 3*math.Max(p995, 1) && v > maxOrdinary {
			specials = append(specials, v)
		}
	}
	return specials
}

// isSentinelLike reports whether x is a nines-style code: 90–99, 990–999,
// 9990–9999, and so on.
func isSentinelLike(x float64) bool {
	for lo := 90.0; lo <= 1e12; lo = lo*10 + 90 {
		if x >= lo && x <= lo+9 {
			return true
		}
	}
	return false
}

// valueCount is a distinct value and its total weight.
type valueCount struct{ v, c float64 }

// distinctValues returns the distinct non-missing values of xs in
// increasing order with their weights.
func distinctValues(xs, w []float64) []valueCount {
	var vals []valueCount
	if w == nil {
		// Unweighted (the usual case): sort plain floats, which is fast.
		sorted := make([]float64, 0, len(xs))
		for _, x := range xs {
			if x == x {
				sorted = append(sorted, x)
			}
		}
		slices.Sort(sorted)
		for _, x := range sorted {
			if n := len(vals); n > 0 && vals[n-1].v == x {
				vals[n-1].c++
				continue
			}
			vals = append(vals, valueCount{x, 1})
		}
		return vals
	}
	pairs := make([]valueCount, 0, len(xs))
	for i, x := range xs {
		if x == x {
			pairs = append(pairs, valueCount{x, w[i]})
		}
	}
	slices.SortFunc(pairs, func(a, b valueCount) int { return cmp.Compare(a.v, b.v) })
	for _, p := range pairs {
		if n := len(vals); n > 0 && vals[n-1].v == p.v {
			vals[n-1].c += p.c
			continue
		}
		vals = append(vals, p)
	}
	return vals
}

// withoutSpecials drops the special values from a distinct-value list.
func withoutSpecials(distinct []valueCount, specials []float64) []valueCount {
	if len(specials) == 0 {
		return distinct
	}
	out := make([]valueCount, 0, len(distinct))
	for _, d := range distinct {
		if !slices.Contains(specials, d.v) {
			out = append(out, d)
		}
	}
	return out
}
