package model

import (
	"cmp"
	"math"
	"slices"
)

// The metrics take p, the predicted probability of bad (or any score that
// rises with risk), y in {0, 1} with 1 = bad, and optional weights w (nil
// means all 1). They are plain functions so other packages and benchmarks
// can use them on any model's output.

// AUC is the area under the ROC curve: the probability that a random bad
// ranks above a random good, ties counting one half (Mann–Whitney).
func AUC(p, y, w []float64) float64 {
	auc, _ := aucKS(p, y, w, sortedByScore(p))
	return auc
}

// aucKS computes AUC and KS in one pass over rows sorted by score.
func aucKS(p, y, w []float64, order []int) (auc, ks float64) {
	var goodsBelow, B, G float64
	for _, r := range order {
		if y[r] == 1 {
			B += weightAt(w, r)
		} else {
			G += weightAt(w, r)
		}
	}
	if B == 0 || G == 0 {
		return math.NaN(), 0
	}
	var badsBelow float64
	for i := 0; i < len(order); {
		j := i
		var gb, gg float64
		for ; j < len(order) && p[order[j]] == p[order[i]]; j++ {
			r := order[j]
			if y[r] == 1 {
				gb += weightAt(w, r)
			} else {
				gg += weightAt(w, r)
			}
		}
		auc += gb * (goodsBelow + gg/2)
		goodsBelow += gg
		badsBelow += gb
		// Above this threshold: 1 − shares below; the gap is the same.
		ks = math.Max(ks, math.Abs(badsBelow/B-goodsBelow/G))
		i = j
	}
	return auc / (B * G), ks
}

// Gini is 2·AUC − 1, the accuracy ratio credit teams quote.
func Gini(auc float64) float64 { return 2*auc - 1 }

// KS is the largest gap between the cumulative shares of bads and goods
// over all thresholds (Kolmogorov–Smirnov statistic).
func KS(p, y, w []float64) float64 {
	_, ks := aucKS(p, y, w, sortedByScore(p))
	return ks
}

// ROCPoint is one threshold: the share of bads (TPR) and goods (FPR) at or
// above it.
type ROCPoint struct {
	Threshold float64 `json:"threshold"`
	TPR       float64 `json:"tpr"`
	FPR       float64 `json:"fpr"`
}

// ROC returns the ROC curve from the riskiest threshold down, one point per
// distinct score, starting at (0, 0).
func ROC(p, y, w []float64) []ROCPoint {
	order := sortedByScore(p)
	var B, G float64
	for i := range y {
		if y[i] == 1 {
			B += weightAt(w, i)
		} else {
			G += weightAt(w, i)
		}
	}
	curve := []ROCPoint{{Threshold: math.Inf(1)}}
	var tb, tg float64
	for i := len(order) - 1; i >= 0; {
		j := i
		for ; j >= 0 && p[order[j]] == p[order[i]]; j-- {
			r := order[j]
			if y[r] == 1 {
				tb += weightAt(w, r)
			} else {
				tg += weightAt(w, r)
			}
		}
		curve = append(curve, ROCPoint{Threshold: p[order[i]], TPR: tb / B, FPR: tg / G})
		i = j
	}
	return curve
}

// Brier is the mean squared error of the probabilities.
func Brier(p, y, w []float64) float64 {
	var s, n float64
	for i := range p {
		d := p[i] - y[i]
		s += weightAt(w, i) * d * d
		n += weightAt(w, i)
	}
	return s / n
}

// LogLoss is the mean negative log-likelihood, probabilities clipped to
// [1e-15, 1−1e-15] as scikit-learn does.
func LogLoss(p, y, w []float64) float64 {
	var s, n float64
	for i := range p {
		q := math.Min(math.Max(p[i], 1e-15), 1-1e-15)
		l := -(y[i]*math.Log(q) + (1-y[i])*math.Log(1-q))
		s += weightAt(w, i) * l
		n += weightAt(w, i)
	}
	return s / n
}

func sortedByScore(p []float64) []int {
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	// Ties keep row order, so every metric is deterministic.
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(p[a], p[b]); c != 0 {
			return c
		}
		return a - b
	})
	return order
}

// summarise computes the headline metrics from ln(odds) z.
func summarise(z, y, w []float64) Summary {
	p := make([]float64, len(z))
	for i := range z {
		p[i] = logistic(z[i])
	}
	return Summarise(p, y, w)
}

// Summarise computes the headline metrics from probabilities.
func Summarise(p, y, w []float64) Summary {
	auc, ks := aucKS(p, y, w, sortedByScore(p))
	return Summary{Rows: len(p), BadRate: round6(weightedMean(y, w)), AUC: round6(auc), Gini: round6(Gini(auc)),
		KS: round6(ks), Brier: round6(Brier(p, y, w)), LogLoss: round6(LogLoss(p, y, w))}
}

// round6 keeps artifact metrics readable; six decimals is beyond any
// difference that matters.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
