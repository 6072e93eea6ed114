package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/policy"
)

// TestDemoBacktestCountsOnlyObservedOutcomes: the demo's stored scores are
// as of today, on data complete up to today, so a backtest on them would
// count twelve months nobody has seen (the last statements, due after the
// data's end, read as 90 days past due); it is refused, naming the window
// and the source. A window the data covers (--model, --as-of a year back)
// runs over everyone.
func TestDemoBacktestCountsOnlyObservedOutcomes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo population")
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := buildDemo(ctx, db, 300, 7, func(string) {}); err != nil {
		t.Fatal(err)
	}
	err := runPolicyBacktest(ctx, []string{"--db", db, "credit_card"})
	if err == nil || !strings.Contains(err.Error(), "outcome window") || !strings.Contains(err.Error(), `source "simulate"`) {
		t.Fatalf("backtest on the demo's stored scores: %v; want it refused, naming the window and the source", err)
	}

	svc, st, err := openScoreService(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	_, artifact, err := svc.Models.ActiveModel(ctx)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	modelFile := filepath.Join(t.TempDir(), "model.json")
	if err := os.WriteFile(modelFile, artifact, 0o600); err != nil {
		t.Fatal(err)
	}
	asOf := time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	out, code := runCaptured(t, func() int {
		if err := runPolicyBacktest(ctx, []string{"--db", db, "--model", modelFile, "--as-of", asOf, "--horizon", "12m", "--backfill", "--json", "credit_card"}); err != nil {
			t.Errorf("backtest as of %s: %v", asOf, err)
			return 1
		}
		return 0
	})
	var bt policy.Backtest
	if code != 0 || json.Unmarshal([]byte(out), &bt) != nil || bt.People != 300 {
		t.Fatalf("backtest as of %s: exit %d, %d people: %s", asOf, code, bt.People, out)
	}
}
