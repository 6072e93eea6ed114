package model

import (
	"bytes"
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
		truth := freshAUC(t, m, population(20000, s+1000))
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

// noiseTable is a small population whose inputs say nothing about the
// label.
func noiseTable(rows int, seed uint64) *table.Table {
	rng := rand.New(rand.NewPCG(seed, 7))
	t := &table.Table{Header: []string{"a", "b", "c", "bad"}, SHA256: fmt.Sprint("noise-", seed)}
	for range rows {
		bad := "0"
		if rng.Float64() < 0.1 {
			bad = "1"
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("%.2f", rng.NormFloat64()), fmt.Sprint(rng.IntN(5)),
			fmt.Sprintf("%.2f", rng.Float64()), bad})
	}
	return t
}

// splitTable returns the rows of t that Train fit on and those it held
// out, loaded as d (the same split: the dataset's labels, share and seed).
func splitTable(t *table.Table, d *Dataset, cfg Config) (fit, held *table.Table) {
	s := splitBag(d.Label, cfg.withDefaults().HoldOut, cfg.Seed, holdOutStream)
	pick := func(rows []int32) *table.Table {
		out := &table.Table{Header: t.Header}
		for _, r := range rows {
			out.Rows = append(out.Rows, t.Rows[r])
		}
		return out
	}
	return pick(s.fit), pick(s.valid)
}

// The held-out figure training reports is that of the model it writes:
// recomputed from the written artifact on the held-out rows it is the
// same. A model that stopped at 0 rounds is a constant and ranks nobody,
// so its AUC is 0.5, whatever a refit or a probe might have scored.
func TestReportedAUCIsTheWrittenModels(t *testing.T) {
	for _, c := range []struct {
		name  string
		table *table.Table
		cfg   Config
	}{
		// No leaf may hold under 60% of the rows, so no tree can split:
		// every bag stops at 0 rounds and the model is a constant.
		{"noise, 0 rounds", noiseTable(300, 1), Config{Seed: 3, Bags: 4, Interactions: 0, MinLeafShare: 0.6}},
		{"signal", population(1500, 5), Config{Seed: 5, Bags: 2, MaxRounds: 150, Interactions: 3, MaxBins: 64}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := LoadDataset(c.table, DataSpec{Label: "bad"})
			if err != nil {
				t.Fatal(err)
			}
			trained, err := Train(d, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Read(bytes.NewReader(modelJSON(t, trained)))
			if err != nil {
				t.Fatal(err)
			}
			_, held := splitTable(c.table, d, c.cfg)
			y, err := ParseLabels(held, "bad", "")
			if err != nil {
				t.Fatal(err)
			}
			rows, err := m.EncodeTable(held)
			if err != nil {
				t.Fatal(err)
			}
			again := m.Evaluate(rows, y, EvalOptions{})
			got := m.Metrics.Validation
			t.Logf("rounds %v; reported held-out AUC %.4f on %d rows, recomputed %.4f on %d; in-sample %.4f",
				m.Metrics.Rounds, got.AUC, got.Rows, again.AUC, again.Rows, m.Metrics.Train.AUC)
			if got.Rows != m.Training.HeldOut || again.Rows != got.Rows {
				t.Fatalf("held out %d rows, reported on %d, recomputed on %d", m.Training.HeldOut, got.Rows, again.Rows)
			}
			if math.Abs(got.AUC-again.AUC) > 1e-6 || math.Abs(got.Brier-again.Brier) > 1e-6 {
				t.Errorf("reported AUC %.6f, Brier %.6f; the written model scores %.6f, %.6f on the same rows",
					got.AUC, got.Brier, again.AUC, again.Brier)
			}
			if c.name != "noise, 0 rounds" {
				return
			}
			for _, r := range m.Metrics.Rounds {
				if r != 0 {
					t.Fatalf("rounds %v: the noise data should stop every bag at 0 rounds", m.Metrics.Rounds)
				}
			}
			if got.AUC != 0.5 || m.Metrics.Train.AUC != 0.5 {
				t.Errorf("a constant model reports held-out AUC %v, in-sample %v; want 0.5", got.AUC, m.Metrics.Train.AUC)
			}
		})
	}
}

// freshAUC is m's AUC on rows it never saw, labelled in column "bad".
func freshAUC(t *testing.T, m *Model, fresh *table.Table) float64 {
	t.Helper()
	y, err := ParseLabels(fresh, "bad", "")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := m.EncodeTable(fresh)
	if err != nil {
		t.Fatal(err)
	}
	return m.Evaluate(rows, y, EvalOptions{}).AUC
}
