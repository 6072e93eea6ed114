package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/sesame-credit/sesame/model/table"
)

// pairData is four free features whose risk is additive but for one real
// interaction: c and d both high is much worse than either alone.
func pairData(rows int, seed uint64) *table.Table {
	rng := rand.New(rand.NewPCG(seed, 2))
	t := &table.Table{Header: []string{"a", "b", "c", "d", "bad"}, SHA256: fmt.Sprint("pairs-", seed)}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	for range rows {
		a, b, c, d := rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()
		z := -3.5 + a + b
		if c > 0.5 && d > 0.5 {
			z += 2.5
		}
		bad := "0"
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			bad = "1"
		}
		t.Rows = append(t.Rows, []string{f(a), f(b), f(c), f(d), bad})
	}
	return t
}

// TestPairsOnlyWherePay: with the default budget, the real interaction is
// kept, most pairs that could only fit noise are dropped by the validation
// log-loss gate, the smaller data set keeps no more pairs, and a pair's
// reference cell (the best attainable, which reasons measure against)
// holds at least MinPairCellCount training rows wherever a cell does.
func TestPairsOnlyWherePay(t *testing.T) {
	// No hold-out: the gate is judged on the number of rows named.
	train := func(rows int) *Model {
		d, err := LoadDataset(pairData(rows, 3), DataSpec{Label: "bad"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Train(d, Config{Seed: 1, Bags: 2, MaxRounds: 150, Interactions: -1, MaxBins: 32, HoldOut: -1})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	check := func(m *Model, rows int) {
		names := map[string]bool{}
		for p, in := range m.Interactions {
			names[in.Features[0]+"×"+in.Features[1]] = true
			// The reference needs MinPairCellCount rows wherever a cell
			// has them; a grid with none that full falls back to any cell
			// with data (docs/model.md).
			supported := false
			for a := range in.Counts {
				for b := range in.Counts[a] {
					supported = supported || in.Counts[a][b] >= MinPairCellCount && a != in.Axes[0].MissingBin() && b != in.Axes[1].MissingBin()
				}
			}
			ref := m.pairRef[p]
			if n := in.Counts[ref[0]][ref[1]]; supported && n < MinPairCellCount {
				t.Errorf("%d rows: pair %s's reference cell has %v rows, want at least %d", rows, in.Name, n, MinPairCellCount)
			}
			if !supported {
				t.Logf("%d rows: no cell of pair %s has %d rows; its reference is the best cell with data", rows, in.Name, MinPairCellCount)
			}
		}
		if len(m.Interactions) > PairBudget || len(m.Interactions) >= 6 {
			t.Errorf("%d rows: %d of the 6 possible pairs kept (%v): pairs that only fit noise must be dropped", rows, len(m.Interactions), names)
		}
		t.Logf("%d rows: pairs kept %v", rows, names)
	}
	big := train(20000)
	check(big, 20000)
	kept := false
	for _, in := range big.Interactions {
		kept = kept || in.Features == [2]string{"c", "d"} || in.Features == [2]string{"d", "c"}
	}
	if !kept {
		t.Errorf("the real interaction c×d is not kept")
	}
	small := train(2000)
	check(small, 2000)
	if len(small.Interactions) > len(big.Interactions) {
		t.Errorf("2,000 rows kept %d pairs, 20,000 rows %d: the budget must not grow as the data shrinks", len(small.Interactions), len(big.Interactions))
	}
}
