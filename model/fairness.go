package model

import (
	"math"
	"sort"
)

// Fairness compares groups of a protected attribute (a column that is never
// a model input) at an approval cutoff.
type Fairness struct {
	Cutoff int         `json:"cutoff"`
	Groups []GroupStat `json:"groups"`
	// AdverseImpactRatio is the lowest group's approval rate over the
	// highest's; below 0.8 fails the "four-fifths" rule of thumb.
	AdverseImpactRatio float64 `json:"adverse_impact_ratio"`
}

// GroupStat describes one group of the protected attribute.
type GroupStat struct {
	Group        string  `json:"group"`
	Rows         int     `json:"rows"`
	BadRate      float64 `json:"bad_rate"`
	MeanScore    float64 `json:"mean_score"`
	AUC          float64 `json:"auc"` // NaN-free: 0 when a group has one class only
	ApprovalRate float64 `json:"approval_rate"`
}

// FairnessReport computes per-group statistics and the adverse impact ratio.
// Rows approve when their score is at least cutoff.
func FairnessReport(scores []int, p, y []float64, groups []string, cutoff int) Fairness {
	idx := map[string][]int{}
	for i, g := range groups {
		idx[g] = append(idx[g], i)
	}
	names := make([]string, 0, len(idx))
	for g := range idx {
		names = append(names, g)
	}
	sort.Strings(names)
	f := Fairness{Cutoff: cutoff}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, g := range names {
		rows := idx[g]
		gp, gy := make([]float64, len(rows)), make([]float64, len(rows))
		var sumScore, approved float64
		for k, r := range rows {
			gp[k], gy[k] = p[r], y[r]
			sumScore += float64(scores[r])
			if scores[r] >= cutoff {
				approved++
			}
		}
		n := float64(len(rows))
		auc := AUC(gp, gy, nil)
		if math.IsNaN(auc) {
			auc = 0
		}
		st := GroupStat{Group: g, Rows: len(rows), BadRate: round6(weightedMean(gy, nil)),
			MeanScore: round6(sumScore / n), AUC: round6(auc), ApprovalRate: round6(approved / n)}
		f.Groups = append(f.Groups, st)
		lo, hi = math.Min(lo, st.ApprovalRate), math.Max(hi, st.ApprovalRate)
	}
	if hi > 0 {
		f.AdverseImpactRatio = round6(lo / hi)
	}
	return f
}
