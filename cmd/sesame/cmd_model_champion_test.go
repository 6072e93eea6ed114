package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/score"
)

// Champion and challenger from the command line: a challenger is set,
// `model compare` sets it against the champion on labelled data, a
// promotion needs a reason and is recorded, and a rollback restores the
// champion the same way.
func TestModelChampionChallenger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "champ.db")
	if err := runSimulate(ctx, []string{"--db", db, "--people", "1200", "--seed", "5"}); err != nil {
		t.Fatal(err)
	}
	train := filepath.Join(dir, "train.csv")
	if err := runDatasetBuild(ctx, []string{"--db", db, "--as-of", "2025-11-01", "--horizon", "12m", "--backfill", "--out", train}); err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, seed := range []string{"1", "2"} {
		out := filepath.Join(dir, "m"+seed+".json")
		args := []string{"--data", train, "--label", "bad", "--exclude", "person", "--protected", "protected_sex", "--seed", seed, "--out", out}
		if seed == "2" {
			args = append(args, "--interactions", "0")
		}
		if err := runModelTrain(ctx, args); err != nil {
			t.Fatal(err)
		}
		if err := runModelRegister(ctx, []string{"--db", db, out}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		versions = append(versions, score.ModelVersion(b))
	}
	champ, chall := versions[0], versions[1]
	if err := runModelPromote(ctx, []string{"--db", db, "--reason", "first model", champ}); err != nil {
		t.Fatal(err)
	}
	if err := runModelChallenger(ctx, []string{"--db", db, chall}); err != nil {
		t.Fatal(err)
	}
	out := captureStdout(t, func() {
		if err := runModelCompare(ctx, []string{"--db", db, "--data", train, "--label", "bad", "--protected", "protected_sex", champ, chall}); err != nil {
			t.Error(err)
		}
	})
	for _, want := range []string{"A " + champ, "B " + chall, "Band migration", "excellent", "Approvals per shipped product", "swapped in", "Fairness: adverse impact ratio", "protected_sex"} {
		if !strings.Contains(out, want) {
			t.Errorf("compare output lacks %q:\n%s", want, out)
		}
	}
	if err := runModelPromote(ctx, []string{"--db", db, chall}); sesame.ErrorCode(err) != sesame.EINVALID {
		t.Fatalf("a promotion without a reason: %v", err)
	}
	if err := runModelPromote(ctx, []string{"--db", db, "--reason", "higher AUC on the last window", chall}); err != nil {
		t.Fatal(err)
	}
	if err := runModelRollback(ctx, []string{"--db", db, "--reason", "approvals fell more than expected"}); err != nil {
		t.Fatal(err)
	}
	svc, st, err := openScoreService(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	info, _, err := svc.Models.ActiveModel(ctx)
	if err != nil || info.Version != champ {
		t.Fatalf("after the rollback the active model is %s (%v), want %s", info.Version, err, champ)
	}
	log := captureStdout(t, func() {
		if err := runModelPromotions(ctx, []string{"--db", db}); err != nil {
			t.Error(err)
		}
	})
	for _, want := range []string{"rollback", "approvals fell more than expected", "higher AUC on the last window", "first model"} {
		if !strings.Contains(log, want) {
			t.Errorf("promotions lack %q:\n%s", want, log)
		}
	}
}
