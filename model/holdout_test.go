package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sesame-credit/sesame/model/table"
)

// population simulates a demo-like credit population: a low bad rate,
// four inputs that matter (one through an interaction) among twelve that
// are noise, so that choices made on the evaluation rows (pairs screened,
// rounds stopped) would flatter the figure.
func population(rows int, seed uint64) *table.Table {
	rng := rand.New(rand.NewPCG(seed, 99))
	const noise = 12
	t := &table.Table{Header: []string{"late", "utilisation", "tenure", "inquiries"}, SHA256: fmt.Sprint("population-", seed)}
	for k := range noise {
		t.Header = append(t.Header, fmt.Sprintf("noise%d", k))
	}
	t.Header = append(t.Header, "bad")
	for range rows {
		late := float64(rng.IntN(3))
		util := rng.Float64()
		tenure := rng.Float64() * 20
		inq := float64(rng.IntN(6))
		z := -3.0 + 0.7*late + 1.5*util*util - 0.05*tenure + 0.25*inq*util
		row := []string{fmt.Sprint(late), fmt.Sprintf("%.3f", util), fmt.Sprintf("%.1f", tenure), fmt.Sprint(inq)}
		for range noise {
			row = append(row, fmt.Sprintf("%.2f", rng.NormFloat64()))
		}
		bad := "0"
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			bad = "1"
		}
		t.Rows = append(t.Rows, append(row, bad))
	}
	return t
}

// The held-out AUC that training reports is an unbiased estimate: over
// several simulated populations it matches, on average, the AUC on a large
// fresh sample of the same population.
func TestReportedAUCMatchesFreshData(t *testing.T) {
	var bias, spread float64
	const runs = 6
	for s := range uint64(runs) {
		d, err := LoadDataset(population(5000, s+1), DataSpec{Label: "bad"})
		if err != nil {
			t.Fatal(err)
		}
		cfg := fastConfig()
		cfg.Seed, cfg.Interactions = s+1, -1
		m, err := Train(d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		fresh := population(20000, s+1000)
		y, err := ParseLabels(fresh, "bad", "")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := m.EncodeTable(fresh)
		if err != nil {
			t.Fatal(err)
		}
		truth := m.Evaluate(rows, y, EvalOptions{}).AUC
		got := m.Metrics.Validation.AUC
		t.Logf("population %d: reported %.4f on %d held-out rows, fresh data %.4f, in-sample %.4f",
			s+1, got, m.Metrics.Validation.Rows, truth, m.Metrics.Train.AUC)
		if m.Training.HeldOut != m.Metrics.Validation.Rows || m.Training.HeldOut == 0 {
			t.Fatalf("held out %d rows, measured on %d", m.Training.HeldOut, m.Metrics.Validation.Rows)
		}
		bias += got - truth
		spread += math.Abs(got - truth)
	}
	bias /= runs
	spread /= runs
	// 750 held-out rows with ~8% bad give an AUC standard error of about
	// 0.025 per run, 0.01 for the mean of six: ±0.025 allows for it.
	if math.Abs(bias) > 0.025 {
		t.Errorf("reported AUC is off fresh data by %+.4f on average (mean |error| %.4f)", bias, spread)
	}
}
