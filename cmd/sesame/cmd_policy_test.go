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

// TestPolicyBacktestFastReview runs `sesame policy backtest` on fast_review
// as an operator would: a simulated population, a model trained out of
// time (a year before), everyone scored as of a past date and their next year's outcomes
// counted. The fast lane opens only from very good on, nobody is declined,
// and the people sent to the fast lane went bad less often than the others.
func TestPolicyBacktestFastReview(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model: skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db, train, modelFile := filepath.Join(dir, "bt.db"), filepath.Join(dir, "train.csv"), filepath.Join(dir, "model.json")
	for _, args := range [][]string{
		{"simulate", "--db", db, "--people", "2000", "--seed", "7", "--months", "48"},
		{"dataset", "build", "--db", db, "--as-of", "2024-11-01", "--horizon", "12m", "--backfill", "--out", train},
		{"model", "train", "--data", train, "--label", "bad", "--exclude", "person", "--protected", "protected_sex", "--seed", "42", "--out", modelFile},
	} {
		if code := run(ctx, args); code != 0 {
			t.Fatalf("sesame %s: exit %d", strings.Join(args, " "), code)
		}
	}
	out, code := runCaptured(t, func() int {
		return run(ctx, []string{"policy", "backtest", "--db", db, "--model", modelFile, "--as-of", "2025-11-01", "--horizon", "12m", "--backfill", "--json", "fast_review"})
	})
	if code != 0 {
		t.Fatalf("policy backtest: exit %d %s", code, out)
	}
	var bt policy.Backtest
	if err := json.Unmarshal([]byte(out), &bt); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if bt.Product != "fast_review" || bt.People != 2000 {
		t.Fatalf("backtest of %s over %d people: %s", bt.Product, bt.People, out)
	}
	var fast, fastBad, standard, standardBad int
	for _, b := range append(bt.Bands, &bt.Unscored) {
		if b.Declined != 0 {
			t.Errorf("band %s: %d declined; fast review only routes", b.Band, b.Declined)
		}
		if b.Approved > 0 && b.Band != "very_good" && b.Band != "excellent" {
			t.Errorf("band %s: %d in the fast lane; it opens from very good on", b.Band, b.Approved)
		}
		fast += b.Approved
		fastBad += b.BadOfApproved
		standard += b.Referred
		standardBad += b.Bad - b.BadOfApproved
	}
	if fast == 0 || standard == 0 || fastBad+standardBad == 0 {
		t.Fatalf("fast %d (bad %d), standard %d (bad %d): the population shows nothing", fast, fastBad, standard, standardBad)
	}
	if float64(fastBad)/float64(fast) >= float64(standardBad)/float64(standard) {
		t.Errorf("the fast lane went bad as often as the standard one: %d of %d against %d of %d", fastBad, fast, standardBad, standard)
	}
	t.Logf("fast lane: %d people, %d went bad; standard lane: %d people, %d went bad", fast, fastBad, standard, standardBad)
	// The table an operator reads.
	out, code = runCaptured(t, func() int {
		return run(ctx, []string{"policy", "backtest", "--db", db, "--model", modelFile, "--as-of", "2025-11-01", "--horizon", "12m", "--backfill", "fast_review"})
	})
	if code != 0 || !strings.HasPrefix(out, "product fast_review, policy ") || !strings.Contains(out, "\nvery_good ") || !strings.Contains(out, "\nall ") {
		t.Fatalf("policy backtest table: exit %d\n%s", code, out)
	}
}

// TestDemoBacktestCountsOnlyObservedOutcomes: the demo's stored scores are
// as of today, on data complete up to today, so a backtest on them would
// count twelve months nobody has seen (the last statements, due after the
// data's end, read as 90 days past due); it is refused, naming the window
// and the source. A window the data covers (--model, --as-of a year back)
// runs over everyone.
func TestDemoBacktestCountsOnlyObservedOutcomes(t *testing.T) {
	ctx := context.Background()
	db := smallDemo(t)
	err := runPolicyBacktest(ctx, []string{"--db", db, "credit_card"})
	if err == nil || !strings.Contains(err.Error(), "outcome window") || !strings.Contains(err.Error(), `source "simulate"`) {
		t.Fatalf("backtest on the demo's stored scores: %v; want it refused, naming the window and the source", err)
	}

	_, artifact := activeModel(t, db)
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
