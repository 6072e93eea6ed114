package model

import "math"

// fastExp is e^x to about 2e-7 relative error, several times faster than
// math.Exp. Boosting spends most of its time turning ln(odds) into
// probabilities for gradients, where this precision is far beyond what a
// step of learning rate 0.1 can feel; scoring and metrics use math.Exp.
func fastExp(x float64) float64 {
	if x > 700 {
		return math.Inf(1)
	}
	if x < -700 {
		return 0
	}
	// e^x = 2^k · 2^f with k integer and f in [−0.5, 0.5].
	t := x * math.Log2E
	k := math.Floor(t + 0.5)
	f := (t - k) * math.Ln2 // now e^f, |f| ≤ 0.347
	// Taylor series of e^f to the 7th power: error < 0.347^8/8! ≈ 5e-9.
	p := 1 + f*(1+f*(1.0/2+f*(1.0/6+f*(1.0/24+f*(1.0/120+f*(1.0/720+f*(1.0/5040)))))))
	return math.Float64frombits(math.Float64bits(p) + uint64(int64(k))<<52)
}
