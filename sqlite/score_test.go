package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/sqlite"
)

func openScoreDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestScoreHistoryIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := openScoreDB(t)
	st := db.Scores()
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, s := range []int{610, 655, 702} {
		sc := &sesame.Score{Person: "p1", Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s),
			ModelVersion: "m1", AsOf: asOf.AddDate(0, i, 0), Features: map[string]float64{"utilisation": float64(i)}}
		if err := st.SaveScores(ctx, []*sesame.Score{sc}); err != nil {
			t.Fatal(err)
		}
	}
	hist, err := st.ScoreHistory(ctx, "p1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[0].Score != 702 || hist[2].Score != 610 || hist[0].Band != sesame.Excellent {
		t.Fatalf("history = %+v, want 702, 655, 610 newest first", hist)
	}
	latest, err := st.LatestScore(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if latest.Score != 702 || latest.Features["utilisation"] != 2 {
		t.Fatalf("latest = %+v", latest)
	}
	for _, q := range []string{`UPDATE scores SET score = 950`, `DELETE FROM scores`} {
		if _, err := db.Writer().ExecContext(ctx, q); err == nil {
			t.Errorf("%s succeeded; history must be append-only", q)
		}
	}
	if _, err := st.LatestScore(ctx, "nobody"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Errorf("unknown person: %v, want not_found", err)
	}
}

func TestModelRegistryKeepsOneActive(t *testing.T) {
	ctx := context.Background()
	st := openScoreDB(t).Scores()
	if _, _, err := st.ActiveModel(ctx); sesame.ErrorCode(err) != sesame.EUNAVAILABLE {
		t.Fatalf("no model: %v, want unavailable", err)
	}
	for _, v := range []string{"a", "b"} {
		if err := st.SaveModel(ctx, sesame.ModelInfo{Version: v, Kind: "additive", CreatedAt: time.Now()}, []byte(`{"v":"`+v+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"a", "b"} {
		if err := st.ActivateModel(ctx, v); err != nil {
			t.Fatal(err)
		}
		info, art, err := st.ActiveModel(ctx)
		if err != nil || info.Version != v || string(art) != `{"v":"`+v+`"}` {
			t.Fatalf("active = %v %s %v, want %s", info, art, err, v)
		}
	}
	if err := st.ActivateModel(ctx, "zzz"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("unknown version: %v", err)
	}
	ms, _ := st.Models(ctx)
	active := 0
	for _, m := range ms {
		if m.Active {
			active++
		}
	}
	if len(ms) != 2 || active != 1 {
		t.Fatalf("models = %+v", ms)
	}
}

func TestCheckpoints(t *testing.T) {
	ctx := context.Background()
	st := openScoreDB(t).Scores()
	if p, _ := st.Checkpoint(ctx, "rescore"); p != "" {
		t.Fatalf("fresh checkpoint %q", p)
	}
	st.SaveCheckpoint(ctx, "rescore", "p500")
	if p, _ := st.Checkpoint(ctx, "rescore"); p != "p500" {
		t.Fatalf("checkpoint %q", p)
	}
	st.SaveCheckpoint(ctx, "rescore", "")
	if p, _ := st.Checkpoint(ctx, "rescore"); p != "" {
		t.Fatalf("cleared checkpoint %q", p)
	}
}
