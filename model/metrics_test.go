package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomScores gives coarse scores (many ties) and labels loosely tied to them.
func randomScores(n int, seed uint64) (p, y []float64) {
	rng := rand.New(rand.NewPCG(seed, 9))
	p, y = make([]float64, n), make([]float64, n)
	for i := range p {
		p[i] = float64(rng.IntN(20)) / 20
		if rng.Float64() < 0.2+0.5*p[i] {
			y[i] = 1
		}
	}
	return p, y
}

func TestAUCCountsTiesAsHalf(t *testing.T) {
	p, y := randomScores(600, 1)
	// Brute force over every (bad, good) pair.
	var wins, pairs float64
	for i := range p {
		for j := range p {
			if y[i] == 1 && y[j] == 0 {
				pairs++
				switch {
				case p[i] > p[j]:
					wins++
				case p[i] == p[j]:
					wins += 0.5
				}
			}
		}
	}
	if got, want := AUC(p, y, nil), wins/pairs; math.Abs(got-want) > 1e-12 {
		t.Fatalf("AUC %v, pair count %v", got, want)
	}
	if g := Gini(0.75); g != 0.5 {
		t.Fatalf("Gini(0.75) = %v", g)
	}
}

func TestKSIsTheLargestCDFGap(t *testing.T) {
	p, y := randomScores(500, 2)
	var B, G float64
	for _, v := range y {
		B += v
		G += 1 - v
	}
	want := 0.0
	for _, th := range p {
		var b, g float64
		for i := range p {
			if p[i] >= th {
				b += y[i]
				g += 1 - y[i]
			}
		}
		want = math.Max(want, math.Abs(b/B-g/G))
	}
	if got := KS(p, y, nil); math.Abs(got-want) > 1e-12 {
		t.Fatalf("KS %v, brute force %v", got, want)
	}
}

func TestBrierAndLogLoss(t *testing.T) {
	p, y := []float64{0.9, 0.2, 0.5}, []float64{1, 0, 1}
	if got, want := Brier(p, y, nil), (0.01+0.04+0.25)/3; math.Abs(got-want) > 1e-12 {
		t.Fatalf("Brier %v, want %v", got, want)
	}
	want := -(math.Log(0.9) + math.Log(0.8) + math.Log(0.5)) / 3
	if got := LogLoss(p, y, nil); math.Abs(got-want) > 1e-12 {
		t.Fatalf("log-loss %v, want %v", got, want)
	}
}

func TestPSI(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	a, b, shifted := make([]int, 5000), make([]int, 5000), make([]int, 5000)
	for i := range a {
		a[i] = 500 + int(rng.NormFloat64()*60)
		b[i] = 500 + int(rng.NormFloat64()*60)
		shifted[i] = 580 + int(rng.NormFloat64()*60)
	}
	if psi := PSI(a, a); psi != 0 {
		t.Fatalf("PSI of a sample with itself = %v", psi)
	}
	if psi := PSI(a, b); psi > 0.02 {
		t.Fatalf("PSI of two samples of one population = %v, want ≈ 0", psi)
	}
	if psi := PSI(a, shifted); psi < 0.25 {
		t.Fatalf("PSI after a 1.3 sd shift = %v, want > 0.25", psi)
	}
}

func TestFairnessAdverseImpactRatio(t *testing.T) {
	scores := []int{700, 650, 500, 620, 580, 540, 530, 610}
	groups := []string{"a", "a", "a", "a", "b", "b", "b", "b"}
	y := []float64{0, 0, 1, 1, 1, 0, 1, 0}
	p := []float64{0.1, 0.2, 0.6, 0.3, 0.5, 0.4, 0.7, 0.2}
	f := FairnessReport(scores, p, y, groups, 600)
	// Group a approves 3 of 4, group b 1 of 4: ratio 1/3.
	if len(f.Groups) != 2 || f.Groups[0].ApprovalRate != 0.75 || f.Groups[1].ApprovalRate != 0.25 {
		t.Fatalf("groups %+v", f.Groups)
	}
	if math.Abs(f.AdverseImpactRatio-1.0/3) > 1e-6 {
		t.Fatalf("adverse impact ratio %v, want 1/3", f.AdverseImpactRatio)
	}
	if f.Groups[0].MeanScore != 617.5 || f.Groups[0].BadRate != 0.5 {
		t.Fatalf("group a: %+v", f.Groups[0])
	}
}

func TestBandTableCoversEveryScore(t *testing.T) {
	scores := []int{350, 549, 550, 599, 600, 649, 650, 699, 700, 950}
	y := make([]float64, len(scores))
	total := 0
	for _, b := range BandTable(scores, nil, y) {
		if b.Rows != 2 {
			t.Errorf("band %s holds %d rows, want 2", b.Band, b.Rows)
		}
		total += b.Rows
		if Band(b.Min) != b.Band || Band(b.Max) != b.Band {
			t.Errorf("band %s limits %d–%d disagree with Band()", b.Band, b.Min, b.Max)
		}
	}
	if total != len(scores) {
		t.Fatalf("bands hold %d rows, want %d", total, len(scores))
	}
}
