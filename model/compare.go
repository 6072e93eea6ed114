package model

import "sort"

// Comparison sets a challenger B against a champion A on the same labelled
// rows: discrimination, how people move between score bands, how each
// product's approvals change, and how fairness moves.
type Comparison struct {
	Rows int     `json:"rows"`
	A, B Summary `json:"-"`
	// Migration[i][j] counts rows in band i under A and band j under B
	// (bands in BandLimits order).
	Bands     []string           `json:"bands"`
	Migration [][]int            `json:"band_migration"`
	Approvals []ApprovalChange   `json:"approvals"`
	Fairness  []FairnessMovement `json:"fairness,omitempty"`
}

// ApprovalChange is one product cutoff's approvals under A and B.
type ApprovalChange struct {
	Cutoff
	ApprovedA int `json:"approved_a"`
	ApprovedB int `json:"approved_b"`
	// Swapped in (approved by B only) and out (by A only), and the bad
	// rate of each: who pays for the change.
	In                int     `json:"swapped_in"`
	Out               int     `json:"swapped_out"`
	InBadRate         float64 `json:"in_bad_rate"`
	OutBadRate        float64 `json:"out_bad_rate"`
	ApprovalRateA     float64 `json:"approval_rate_a"`
	ApprovalRateB     float64 `json:"approval_rate_b"`
	ApprovalRateDelta float64 `json:"approval_rate_delta"`
}

// FairnessMovement is one protected attribute's adverse impact ratio at
// one cutoff under A and B.
type FairnessMovement struct {
	Attribute string  `json:"attribute"`
	Cutoff    Cutoff  `json:"cutoff"`
	AIRA      float64 `json:"adverse_impact_ratio_a"`
	AIRB      float64 `json:"adverse_impact_ratio_b"`
}

// Compare scores rows with a (ra, encoded for a) and b (rb, for b) and
// compares them against labels y at the cutoffs; groups maps a protected
// attribute to each row's group.
func Compare(a, b *Model, ra, rb []Vector, y []float64, cutoffs []Cutoff, groups map[string][]string) Comparison {
	n := len(y)
	sa, sb := make([]int, n), make([]int, n)
	pa, pb := make([]float64, n), make([]float64, n)
	for i := range n {
		x, z := a.Score(ra[i]), b.Score(rb[i])
		sa[i], pa[i], sb[i], pb[i] = x.Score, x.Probability, z.Score, z.Probability
	}
	c := Comparison{Rows: n, A: Summarise(pa, y, nil), B: Summarise(pb, y, nil)}
	band := func(s int) int {
		for k, l := range BandLimits {
			if s <= l.Max {
				return k
			}
		}
		return len(BandLimits) - 1
	}
	c.Migration = make([][]int, len(BandLimits))
	for k, l := range BandLimits {
		c.Bands = append(c.Bands, l.Band)
		c.Migration[k] = make([]int, len(BandLimits))
	}
	for i := range n {
		c.Migration[band(sa[i])][band(sb[i])]++
	}
	for _, cut := range cutoffs {
		ch := ApprovalChange{Cutoff: cut}
		var inBad, outBad float64
		for i := range n {
			okA, okB := sa[i] >= cut.Score, sb[i] >= cut.Score
			if okA {
				ch.ApprovedA++
			}
			if okB {
				ch.ApprovedB++
			}
			switch {
			case okB && !okA:
				ch.In++
				inBad += y[i]
			case okA && !okB:
				ch.Out++
				outBad += y[i]
			}
		}
		if ch.In > 0 {
			ch.InBadRate = round6(inBad / float64(ch.In))
		}
		if ch.Out > 0 {
			ch.OutBadRate = round6(outBad / float64(ch.Out))
		}
		if n > 0 {
			ch.ApprovalRateA = round6(float64(ch.ApprovedA) / float64(n))
			ch.ApprovalRateB = round6(float64(ch.ApprovedB) / float64(n))
			ch.ApprovalRateDelta = round6(ch.ApprovalRateB - ch.ApprovalRateA)
		}
		c.Approvals = append(c.Approvals, ch)
	}
	attrs := make([]string, 0, len(groups))
	for k := range groups {
		attrs = append(attrs, k)
	}
	sort.Strings(attrs)
	for _, attr := range attrs {
		for _, cut := range cutoffs {
			fa := FairnessReport(sa, pa, y, groups[attr], cut.Score)
			fb := FairnessReport(sb, pb, y, groups[attr], cut.Score)
			c.Fairness = append(c.Fairness, FairnessMovement{Attribute: attr, Cutoff: cut, AIRA: fa.AdverseImpactRatio, AIRB: fb.AdverseImpactRatio})
		}
	}
	return c
}
