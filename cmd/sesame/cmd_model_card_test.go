package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame/score"
)

// `sesame model card VERSION` renders the stored version's card, with the
// fairness audit taken at training, as HTML (and Markdown on stdout).
func TestModelCard(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "card.db")
	if err := runSimulate(ctx, []string{"--db", db, "--people", "1500", "--seed", "3"}); err != nil {
		t.Fatal(err)
	}
	train, modelFile := filepath.Join(dir, "train.csv"), filepath.Join(dir, "model.json")
	if err := runDatasetBuild(ctx, []string{"--db", db, "--as-of", "2025-11-01", "--horizon", "12m", "--backfill", "--out", train}); err != nil {
		t.Fatal(err)
	}
	if err := runModelTrain(ctx, []string{"--data", train, "--label", "bad", "--exclude", "person", "--protected", "protected_sex",
		"--data-from", "2024-11-01", "--data-to", "2025-10-31", "--out", modelFile}); err != nil {
		t.Fatal(err)
	}
	m, err := readModel(modelFile)
	if err != nil {
		t.Fatal(err)
	}
	if m.Audit == nil || len(m.Audit.Attributes) != 2 || len(m.Audit.Cutoffs) == 0 {
		t.Fatalf("the trained model carries no audit of sex and age 62+ at the products' cutoffs: %+v", m.Audit)
	}
	if m.Feature("age_years") >= 0 || m.Feature("education_level") >= 0 {
		t.Fatal("age or education is an input without --allow")
	}
	if err := runModelRegister(ctx, []string{"--db", db, modelFile}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(modelFile)
	version := score.ModelVersion(b)
	page := filepath.Join(dir, "card.html")
	if err := runModelCard(ctx, []string{"--db", db, "--html", page, version}); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Model card: " + version, "<h2>Data</h2>", "<h2>Method</h2>", "<h2>Metrics</h2>", "<h2>Fairness</h2>",
		"<h2>Constraints</h2>", "<h2>Limits</h2>", "age 62+", "protected_sex", "adverse impact ratio", "proxy check", "age_years, education_level",
		"<h2>Intended use</h2>", "not for employment", "2024-11-01 to 2025-10-31", "95% confidence intervals", "<h2>Calibration</h2>",
		"Expected calibration error", "<h2>Drift</h2>", "sesame_model_psi"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the card lacks %q", want)
		}
	}
	if m.Metrics.Intervals == nil || m.Metrics.Intervals.AUC[0] > m.Metrics.Validation.AUC || m.Metrics.Intervals.AUC[1] < m.Metrics.Validation.AUC {
		t.Errorf("held-out AUC %v outside its interval %+v", m.Metrics.Validation.AUC, m.Metrics.Intervals)
	}
	if err := runModelTrain(ctx, []string{"--data", train, "--label", "bad", "--data-from", "2025-13-01", "--out", modelFile}); !errors.Is(err, errUsage) {
		t.Errorf("a bad --data-from: %v", err)
	}
	if err := runModelCard(ctx, []string{"--db", db, "000000000000"}); err == nil {
		t.Error("a card for an unknown version")
	}
}
