package model

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame/model/table"
)

const taiwanFile = "../testdata/taiwan/taiwan_3000.csv.gz"

// taiwan splits the committed Taiwan subset: every third row is a test row.
func taiwan(t testing.TB) (train, test *table.Table) {
	t.Helper()
	all, err := table.ReadFile(taiwanFile)
	if err != nil {
		t.Fatal(err)
	}
	train = &table.Table{Header: all.Header, SHA256: all.SHA256}
	test = &table.Table{Header: all.Header}
	for i, r := range all.Rows {
		if i%3 == 2 {
			test.Rows = append(test.Rows, r)
		} else {
			train.Rows = append(train.Rows, r)
		}
	}
	return train, test
}

var taiwanSpec = DataSpec{Label: "default_payment_next_month", Exclude: []string{"ID"}, Protected: []string{"SEX"}}

// fastConfig keeps unit tests quick: few bags and rounds, a few pairs.
func fastConfig() Config {
	return Config{Seed: 7, Bags: 2, MaxRounds: 150, Interactions: 3, MaxBins: 64}
}

func trainTaiwan(t testing.TB, cfg Config) (*Model, *table.Table) {
	t.Helper()
	train, test := taiwan(t)
	d, err := LoadDataset(train, taiwanSpec)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, test
}

func modelJSON(t testing.TB, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// synthetic builds a small data set exercising every kind of bin: a
// categorical column with a rare level, a count with sentinel codes, and a
// numeric column with missing values. The label depends on all three.
func synthetic(rows int, seed uint64) *table.Table {
	rng := rand.New(rand.NewPCG(seed, 1))
	t := &table.Table{Header: []string{"id", "job", "late", "income", "bad"}, SHA256: fmt.Sprint("synthetic-", seed)}
	jobs := []string{"clerk", "manager", "self", "sales", "it's rare"}
	for i := range rows {
		job := jobs[rng.IntN(4)]
		if rng.IntN(200) == 0 {
			job = jobs[4]
		}
		late := float64(rng.IntN(4))
		if rng.IntN(100) == 0 {
			late = 98
		}
		income, incomeCell := 1000+rng.Float64()*9000, ""
		if rng.IntN(10) > 0 {
			incomeCell = fmt.Sprintf("%.0f", income)
		}
		z := -1.5 + 0.6*late - income/5000
		if late == 98 {
			z = 1
		}
		if job == "self" {
			z += 0.8
		}
		if incomeCell == "" {
			z += 0.5
		}
		bad := "0"
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			bad = "1"
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(i), job, fmt.Sprint(late), incomeCell, bad})
	}
	return t
}

func readCSV(t testing.TB, s string) (*table.Table, error) {
	t.Helper()
	return table.Read(strings.NewReader(s))
}
