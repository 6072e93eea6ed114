package model

import "testing"

// requireMonotone checks the ordered bins of every constrained feature.
func requireMonotone(t *testing.T, m *Model) int {
	t.Helper()
	constrained := 0
	for _, f := range m.Features {
		if f.Monotone == 0 {
			continue
		}
		constrained++
		n := f.regularBins()
		for k := 1; k < n; k++ {
			prev, cur := f.Bins[k-1], f.Bins[k]
			if f.Monotone > 0 && cur.Points < prev.Points || f.Monotone < 0 && cur.Points > prev.Points {
				t.Errorf("%s (monotone %+d): bin %q has %d points after %q with %d", f.Name, f.Monotone, cur.Label, cur.Points, prev.Label, prev.Points)
			}
			if f.Monotone > 0 && cur.Logit > prev.Logit+1e-12 || f.Monotone < 0 && cur.Logit < prev.Logit-1e-12 {
				t.Errorf("%s (monotone %+d): logit of bin %q breaks the order", f.Name, f.Monotone, cur.Label)
			}
		}
	}
	for _, in := range m.Interactions {
		for _, name := range in.Features {
			if m.Features[m.Feature(name)].Monotone != 0 {
				t.Errorf("pair %s involves constrained feature %s: it could bend the shape", in.Name, name)
			}
		}
	}
	return constrained
}

func TestDeclaredMonotoneConstraintsHold(t *testing.T) {
	cfg := fastConfig()
	// More months late never raises points; a higher credit line never lowers them.
	cfg.Monotone = map[string]int{"PAY_0": -1, "PAY_2": -1, "LIMIT_BAL": +1, "PAY_AMT1": +1}
	m, _ := trainTaiwan(t, cfg)
	if n := requireMonotone(t, m); n != 4 {
		t.Fatalf("%d constrained features, want 4", n)
	}
}

func TestAutoMonotoneConstraintsHold(t *testing.T) {
	cfg := fastConfig()
	cfg.MonotoneAuto = true
	m, _ := trainTaiwan(t, cfg)
	if n := requireMonotone(t, m); n == 0 {
		t.Fatal("auto constrained no feature; PAY_0's trend alone is unmistakable")
	}
	if m.Features[m.Feature("PAY_0")].Monotone != -1 {
		t.Errorf("auto gave PAY_0 direction %+d, want -1 (later payment, fewer points)", m.Features[m.Feature("PAY_0")].Monotone)
	}
}

func TestIsotonicDecreasing(t *testing.T) {
	v := []float64{3, 1, 2, 5, 0, 0}
	w := []float64{1, 1, 1, 1, 1, 0}
	isotonicDecreasing(v, w)
	for k := 1; k < len(v); k++ {
		if v[k] > v[k-1] {
			t.Fatalf("not decreasing: %v", v)
		}
	}
	// Weighted means are preserved within pooled blocks: total weighted sum.
	if sum := v[0] + v[1] + v[2] + v[3] + v[4]; sum < 11-1e-9 || sum > 11+1e-9 {
		t.Fatalf("weighted sum %v, want 11 (PAVA preserves it)", sum)
	}
}

func TestScorecardShapesAreMonotone(t *testing.T) {
	cfg := fastConfig()
	cfg.Kind = KindScorecard
	m, _ := trainTaiwan(t, cfg)
	constrained := requireMonotone(t, m)
	numericWithBins := 0
	for _, f := range m.Features {
		if f.Type == numeric && f.regularBins() >= 2 && !flat(f) {
			numericWithBins++
		}
	}
	if constrained != numericWithBins {
		t.Fatalf("%d of %d binned numeric scorecard features are monotone", constrained, numericWithBins)
	}
}

// flat says a feature's ordered bins all carry the same value: the
// scorecard pooled it into one class, which is monotone both ways.
func flat(f Feature) bool {
	for k := 1; k < f.regularBins(); k++ {
		if f.Bins[k].Logit != f.Bins[0].Logit {
			return false
		}
	}
	return true
}
