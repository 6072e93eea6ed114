package model

import (
	"math"
	"sort"
	"testing"
)

func TestPointsSumToTheScore(t *testing.T) {
	m, test := trainTaiwan(t, fastConfig())
	rows, err := m.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range rows {
		r := m.Score(x)
		sum, dims := 0, 0
		for _, p := range r.Points {
			sum += p
		}
		for _, p := range r.Dimensions {
			dims += p
		}
		if sum != r.Unclamped || dims != sum {
			t.Fatalf("row %d: points sum %d, dimensions sum %d, unclamped score %d", i+1, sum, dims, r.Unclamped)
		}
		if want := min(max(sum, m.Scaling.Min), m.Scaling.Max); r.Score != want {
			t.Fatalf("row %d: score %d, want clamp(%d) = %d", i+1, r.Score, sum, want)
		}
		if r.Band != Band(r.Score) || r.Probability <= 0 || r.Probability >= 1 {
			t.Fatalf("row %d: band %q, probability %v", i+1, r.Band, r.Probability)
		}
	}
}

// TestReasonsAreTheLargestGaps recomputes every term's best attainable
// points straight from the tables and checks the reasons against them.
func TestReasonsAreTheLargestGaps(t *testing.T) {
	m, test := trainTaiwan(t, fastConfig())
	rows, err := m.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range rows {
		r := m.Score(x)
		// Points lost per feature, from the tables: the main effect's gap
		// to its best bin, plus the Shapley halves of each pair's gap to
		// its reference cell.
		loss := make([]float64, len(m.Features))
		total := 0.0
		for f := range m.Features {
			loss[f] = float64(m.BestPoints(f) - r.Points[f])
			total += loss[f]
		}
		for p, in := range m.Interactions {
			a, b := in.Axes[0].Bin(x[m.Feature(in.Features[0])]), in.Axes[1].Bin(x[m.Feature(in.Features[1])])
			ra, rb := m.pairRef[p][0], m.pairRef[p][1]
			f := func(a, b int) float64 { return float64(in.Points[a][b]) }
			loss[m.Feature(in.Features[0])] += (f(ra, rb)-f(a, rb))/2 + (f(ra, b)-f(a, b))/2
			loss[m.Feature(in.Features[1])] += (f(ra, rb)-f(ra, b))/2 + (f(a, rb)-f(a, b))/2
			total += float64(m.BestPoints(len(m.Features)+p) - r.Points[len(m.Features)+p])
		}
		sum := 0.0
		for _, l := range loss {
			sum += l
		}
		if math.Abs(sum-total) > 1e-9 {
			t.Fatalf("row %d: points lost per feature sum to %v, per term to %v", i+1, sum, total)
		}
		var gaps []float64
		for _, l := range loss {
			if l > 0 {
				gaps = append(gaps, l)
			}
		}
		sort.Sort(sort.Reverse(sort.Float64Slice(gaps)))
		if len(r.Reasons) != min(MaxReasons, len(gaps)) {
			t.Fatalf("row %d: %d reasons, want %d", i+1, len(r.Reasons), min(MaxReasons, len(gaps)))
		}
		for k, rs := range r.Reasons {
			f := m.Feature(rs.Term)
			if f < 0 || math.Abs(rs.Gap-gaps[k]) > 1e-9 || math.Abs(loss[f]-rs.Gap) > 1e-9 || rs.Text == "" {
				t.Fatalf("row %d reason %d: %+v; want a feature losing %v", i+1, k+1, rs, gaps[k])
			}
		}
	}
}

// TestCellsAreTheTables: numbering cells (a feature's bin; a pair's
// a×columns+b) addresses the same entries as the tables, and a cell's
// reason is the one Score gives a record in it.
func TestCellsAreTheTables(t *testing.T) {
	m, test := trainTaiwan(t, fastConfig())
	if len(m.Interactions) == 0 {
		t.Fatal("no pairs: the test would not cover them")
	}
	for p, in := range m.Interactions {
		term := len(m.Features) + p
		if m.NumCells(term) != len(in.Points)*len(in.Points[0]) {
			t.Fatalf("%s: %d cells, the table has %d×%d", in.Name, m.NumCells(term), len(in.Points), len(in.Points[0]))
		}
		for a := range in.Points {
			for b := range in.Points[a] {
				if got := m.CellPoints(term, a*len(in.Points[a])+b); got != in.Points[a][b] {
					t.Fatalf("%s cell (%d, %d): %d points, the table says %d", in.Name, a, b, got, in.Points[a][b])
				}
			}
		}
	}
	rows, err := m.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range rows[:min(len(rows), 2000)] {
		r := m.Score(x)
		for term := range m.NumTerms() {
			c := m.TermCell(x, term)
			if m.CellPoints(term, c) != r.Points[term] {
				t.Fatalf("row %d term %s: cell %d has %d points, Score gives %d", i+1, m.TermName(term), c, m.CellPoints(term, c), r.Points[term])
			}
		}
		for _, rs := range r.Reasons {
			f := m.Feature(rs.Term)
			if rs.Value != m.TermValue(x, f) {
				t.Fatalf("row %d: reason %+v quotes %q, the record is in %q", i+1, rs, rs.Value, m.TermValue(x, f))
			}
		}
	}
}

func TestWhatIfAndTipsAreExact(t *testing.T) {
	m, test := trainTaiwan(t, fastConfig())
	rows, err := m.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	f := m.Feature("PAY_0")
	for i, x := range rows[:200] {
		before := m.Score(x)
		after, delta, err := m.WhatIf(x, Record{"PAY_0": -1.0})
		if err != nil {
			t.Fatal(err)
		}
		if delta != after.Score-before.Score {
			t.Fatalf("row %d: delta %d, scores %d → %d", i+1, delta, before.Score, after.Score)
		}
		gain := m.PointsIf(x, f, -1) - m.FeaturePoints(x, f)
		if after.Unclamped-before.Unclamped != gain {
			t.Fatalf("row %d: tip gain %d, what-if change %d", i+1, gain, after.Unclamped-before.Unclamped)
		}
	}
	if _, _, err := m.WhatIf(rows[0], Record{"no_such_feature": 1.0}); err == nil {
		t.Fatal("what-if accepted an unknown feature")
	}
}

func TestVectorFromRecord(t *testing.T) {
	tb := synthetic(3000, 1)
	d, err := LoadDataset(tb, DataSpec{Label: "bad", Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(d, fastConfig())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := m.EncodeTable(tb)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range tb.Rows[:300] {
		rec := Record{"job": row[1], "late": row[2], "income": row[3]}
		x, err := m.Vector(rec)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := m.Score(x), m.Score(rows[i]); a.Score != b.Score || a.Probability != b.Probability {
			t.Fatalf("row %d: record and table encodings disagree: %d vs %d", i+1, a.Score, b.Score)
		}
	}
	if _, err := m.Vector(Record{"late": "three"}); err == nil {
		t.Fatal("text for a numeric feature was accepted")
	}
	x, _ := m.Vector(Record{"job": "astronaut"}) // unseen level → "other", others missing
	r := m.Score(x)
	if r.Score < m.Scaling.Min || r.Score > m.Scaling.Max {
		t.Fatalf("score %d outside the range", r.Score)
	}
}

func BenchmarkScore(b *testing.B) {
	m, test := trainTaiwan(b, Config{Seed: 1, Bags: 2, MaxRounds: 100, Interactions: 10})
	rows, err := m.EncodeTable(test)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = m.Score(rows[i%len(rows)])
	}
}
