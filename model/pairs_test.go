package model

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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

// shopData has a categorical "shop" with 40 levels of distinct frequencies
// and a number x; shops of even rank are riskier only when x is high.
func shopData(rows int, seed uint64) *table.Table {
	rng := rand.New(rand.NewPCG(seed, 3))
	t := &table.Table{Header: []string{"shop", "x", "bad"}, SHA256: fmt.Sprint("shops-", seed)}
	const levels = 40
	total := 0
	for i := range levels {
		total += 60 - i
	}
	for range rows {
		r, shop := rng.IntN(total), 0
		for r >= 60-shop {
			r -= 60 - shop
			shop++
		}
		x := rng.Float64()
		z := -2.0
		if shop%2 == 0 && x > 0.5 {
			z += 2.5
		}
		bad := "0"
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			bad = "1"
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("s%02d", shop), strconv.FormatFloat(x, 'f', 3, 64), bad})
	}
	return t
}

// TestCategoricalPairAxisKeepsFrequentLevels: a categorical pair axis holds
// at most MaxPairBins levels, the most frequent of the main levels in the
// same order, so the level code a record is encoded with finds the same
// cell when scored as its level's name found when the pair was trained.
func TestCategoricalPairAxisKeepsFrequentLevels(t *testing.T) {
	train := shopData(6000, 1)
	d, err := LoadDataset(train, DataSpec{Label: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(d, Config{Seed: 1, Bags: 2, MaxRounds: 150, Interactions: -1, MaxPairBins: 8, HoldOut: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Interactions) != 1 {
		t.Fatalf("want the shop × x pair, got %d pairs", len(m.Interactions))
	}
	in := m.Interactions[0]
	shop := m.Features[m.Feature("shop")]
	s := slices.Index(in.Features[:], "shop")
	axis := in.Axes[s]
	if len(shop.Levels) != 40 || len(axis.Levels) != 8 || !slices.Equal(axis.Levels, shop.Levels[:8]) {
		t.Fatalf("pair axis levels %v, want the first 8 of the main's %v", axis.Levels, shop.Levels)
	}
	vecs, err := m.EncodeTable(train)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([][]float64, len(in.Counts))
	for a := range counts {
		counts[a] = make([]float64, len(in.Counts[a]))
	}
	for _, x := range vecs {
		a, b := in.Axes[0].Bin(x[m.Feature(in.Features[0])]), in.Axes[1].Bin(x[m.Feature(in.Features[1])])
		counts[a][b]++
	}
	for a := range counts {
		if !slices.Equal(counts[a], in.Counts[a]) {
			t.Fatalf("scoring puts rows in other cells than training: row %d of the grid %v, trained %v", a, counts[a], in.Counts[a])
		}
	}
}

// TestCategoricalPairAxisCutsByRisk: on a categorical axis fitPair takes
// the levels in order of risk, not of storage, so one cut can set the two
// risky levels (0 and 2, stored apart) against the two safe ones.
func TestCategoricalPairAxisCutsByRisk(t *testing.T) {
	const na, nb = 4, 2 // a: 4 levels; b: a number cut in two
	G, H, C := make([]float64, na*nb), make([]float64, na*nb), make([]float64, na*nb)
	for a := range na {
		for b := range nb {
			g := 10.0 // under-predicted risk: a negative step would follow
			if a%2 == 0 {
				g = -10
			}
			G[a*nb+b], H[a*nb+b], C[a*nb+b] = g, 25, 100
		}
	}
	step := make([]float64, na*nb)
	var s pairScratch
	if !fitPair(G, H, C, na, nb, true, false, 4, 1, step, &s) {
		t.Fatal("no cut found")
	}
	for b := range nb {
		if step[0*nb+b] != step[2*nb+b] || step[1*nb+b] != step[3*nb+b] || step[0*nb+b] <= step[1*nb+b] {
			t.Fatalf("levels 0 and 2 must share a leaf apart from 1 and 3: steps %v", step)
		}
	}
	// In stored order no single cut separates them.
	if !fitPair(G, H, C, na, nb, false, false, 4, 1, step, &s) {
		t.Fatal("no cut found")
	}
	if step[0] == step[2*nb] && step[nb] == step[3*nb] && step[0] != step[nb] {
		t.Fatalf("stored order separated the alternating levels: %v", step)
	}
}

// TestCategoricalPairsAreDeterministic: the risk order of a categorical
// axis is recomputed at every step; ties and scheduling must not change
// the artifact.
func TestCategoricalPairsAreDeterministic(t *testing.T) {
	train := func(par int) []byte {
		d, err := LoadDataset(shopData(4000, 2), DataSpec{Label: "bad"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Train(d, Config{Seed: 3, Bags: 3, MaxRounds: 100, Interactions: -1, Parallelism: par})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Interactions) == 0 {
			t.Fatal("no pairs: the test shows nothing")
		}
		return modelJSON(t, m)
	}
	if !bytes.Equal(train(1), train(4)) {
		t.Fatal("two trainings with the same data and seed gave different artifacts")
	}
}

// TestPairBudgetFollowsTheBads: a set with few bad outcomes is offered one
// pair to screen for every PairBadsPerTerm bads (weighted), and so keeps no
// more; a set with many keeps PairBudget.
func TestPairBudgetFollowsTheBads(t *testing.T) {
	y := make([]float64, 10000)
	for i := range 55 {
		y[i] = 1
	}
	if got := pairBudget(y, nil); got != 5 {
		t.Errorf("55 bads: budget %d, want 5", got)
	}
	w := make([]float64, len(y))
	for i := range w {
		w[i] = 2
	}
	if got := pairBudget(y, w); got != 11 {
		t.Errorf("55 bads of weight 2: budget %d, want 11", got)
	}
	for i := range 2000 {
		y[i] = 1
	}
	if got := pairBudget(y, nil); got != PairBudget {
		t.Errorf("2,000 bads: budget %d, want PairBudget (%d)", got, PairBudget)
	}

	// Twelve features of pure noise, about 1.5% bad: every pair could only
	// fit chance, and the budget bounds how many are tried.
	rng := rand.New(rand.NewPCG(9, 9))
	tb := &table.Table{SHA256: "rare-noise"}
	for j := range 12 {
		tb.Header = append(tb.Header, fmt.Sprintf("x%d", j))
	}
	tb.Header = append(tb.Header, "bad")
	bads := 0
	for range 4000 {
		row := make([]string, 0, 13)
		z := -5.0
		for j := range 12 {
			v := rng.Float64()
			if j < 2 {
				z += v
			}
			row = append(row, strconv.FormatFloat(v, 'f', 3, 64))
		}
		bad := "0"
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			bad, bads = "1", bads+1
		}
		tb.Rows = append(tb.Rows, append(row, bad))
	}
	d, err := LoadDataset(tb, DataSpec{Label: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(d, Config{Seed: 1, Interactions: -1, HoldOut: -1})
	if err != nil {
		t.Fatal(err)
	}
	if max := bads / PairBadsPerTerm; len(m.Interactions) > max {
		t.Errorf("%d bads: %d pairs kept, more than the %d the budget allows", bads, len(m.Interactions), max)
	}
	all, err := Train(d, Config{Seed: 1, Interactions: PairBudget, HoldOut: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Interactions) <= len(m.Interactions) {
		t.Errorf("%d bads: screening all %d pairs kept %d, the budget %d: the budget changes nothing here", bads, PairBudget, len(all.Interactions), len(m.Interactions))
	}
	t.Logf("%d bads of 4,000 rows: %d pairs kept, %d when all %d are screened", bads, len(m.Interactions), len(all.Interactions), PairBudget)
}
