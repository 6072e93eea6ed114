package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/table"
)

func TestReports(t *testing.T) {
	tb, err := table.ReadFile("../../testdata/taiwan/taiwan_3000.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	spec := model.DataSpec{Label: "default_payment_next_month", Exclude: []string{"ID"}, Protected: []string{"SEX"}}
	d, err := model.LoadDataset(tb, spec)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Train(d, model.Config{Seed: 1, Bags: 2, MaxRounds: 80, Interactions: 2, MaxBins: 32})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := m.EncodeTable(tb)
	if err != nil {
		t.Fatal(err)
	}
	ev := m.Evaluate(rows, d.Label, model.EvalOptions{Groups: d.Protected["SEX"], Cutoff: 600})
	var html bytes.Buffer
	if err := HTML(&html, m, &ev); err != nil {
		t.Fatal(err)
	}
	page := html.String()
	// ROC, KS, calibration, distribution, one shape per feature, one heat
	// map per pair.
	if n, want := strings.Count(page, "<svg "), 4+len(m.Features)+len(m.Interactions); n != want {
		t.Fatalf("%d SVG charts, want %d", n, want)
	}
	if strings.Contains(page, "NaN") || strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, "http://www.w3.org/2000/svg") {
		t.Fatal("the page has NaN, a script or an external link")
	}
	// CSI per feature: one row each in the drift table.
	if !strings.Contains(page, "Drift against the training population") {
		t.Fatal("the page has no drift section")
	}
	for _, f := range m.Features {
		if !strings.Contains(page, "<tr><td>"+f.Name+"</td><td>0.") {
			t.Errorf("no CSI row for %s", f.Name)
		}
	}
	var text bytes.Buffer
	if err := Text(&text, m, &ev); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"AUC", "KS", "Brier", "Calibration", "excellent", "adverse impact ratio"} {
		if !strings.Contains(text.String(), want) {
			t.Fatalf("text report lacks %q", want)
		}
	}
	var ex bytes.Buffer
	if err := Explain(&ex, m, rows[0], m.Score(rows[0])); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ex.String(), "reasons") || !strings.Contains(ex.String(), "PAY_0") {
		t.Fatalf("explanation lacks reasons or terms:\n%s", ex.String())
	}
}
