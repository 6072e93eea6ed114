package sqlite_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/sqlite"
)

// realisticScore has the shape of a stored score: five dimensions, four
// reasons, three tips and the whole feature profile.
func realisticScore(i int) *sesame.Score {
	feats := map[string]float64{}
	for k, n := range feature.Names() {
		feats[n] = float64(i%97) * 1.37 / float64(k+1)
	}
	s := 350 + i%601
	return &sesame.Score{Person: fmt.Sprintf("p%08d", i), Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s),
		Dimensions: []sesame.DimensionScore{{Dimension: sesame.CreditHistory, Score: 701, Points: 234}, {Dimension: sesame.Fulfilment, Score: 640, Points: 272},
			{Dimension: sesame.Behaviour, Score: 688, Points: 68}, {Dimension: sesame.Identity, Score: 808, Points: 133}, {Dimension: sesame.Connections, Score: 590, Points: 20}},
		Reasons: []sesame.Reason{{Feature: "statement_balance_last", Dimension: sesame.Fulfilment, Text: "High statement balance", PointsLost: 44},
			{Feature: "age_years", Dimension: sesame.Identity, Text: "Age band", PointsLost: 39},
			{Feature: "days_since_last_activity", Dimension: sesame.Behaviour, Text: "No recent activity", PointsLost: 32},
			{Feature: "payment_status_now × orders_kept_ratio", Dimension: sesame.CreditHistory, Text: "Status of credit lines now (under 0) together with share of settled try-before-buy orders that were paid or returned in time (under 0.5) costs 89 points against the best combination of the two", PointsLost: 21}},
		Tips: []sesame.Tip{{Feature: "utilisation_now", Action: "Pay your card balances down to 30% of your limits.", Gain: 12, Target: 0.3},
			{Feature: "payment_regularity_12m", Action: "Use your account regularly: pay bills and repayments every month.", Gain: 2, Target: 1}},
		ModelVersion: "007b03e37a4b", AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Features: feats}
}

// BenchmarkSaveScores stores scores in chunks of 2,000, as a full rescore
// does; ns/op is per score.
func BenchmarkSaveScores(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "s.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st := db.Scores()
	const chunk = 2000
	scores := make([]*sesame.Score, chunk)
	for i := range scores {
		scores[i] = realisticScore(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n += chunk {
		k := min(chunk, b.N-n)
		for i := 0; i < k; i++ {
			scores[i].Person = fmt.Sprintf("p%08d", n+i)
		}
		if err := st.SaveScores(ctx, scores[:k]); err != nil {
			b.Fatal(err)
		}
	}
}

// A profile with the catalogue's names is stored as values plus the hash of
// the name list, and reads back whole — also from a fresh process, which
// finds the list in the database rather than in its memory.
func TestCatalogueFeaturesRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "f.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	want := realisticScore(7)
	delete(want.Features, feature.Names()[3]) // missing features are left out of the map
	want.Features[feature.Names()[5]] = math.NaN()
	if err := db.Scores().SaveScores(ctx, []*sesame.Score{want, realisticScore(8)}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Scores().LatestScore(ctx, want.Person)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Features) != len(want.Features) {
		t.Fatalf("%d features back, want %d", len(got.Features), len(want.Features))
	}
	for k, v := range want.Features {
		if g, ok := got.Features[k]; !ok || math.Float64bits(g) != math.Float64bits(v) {
			t.Fatalf("%s = %v, want %v", k, g, v)
		}
	}
	var width int
	if err := db.Reader().QueryRowContext(ctx, `SELECT length(features) FROM score_latest WHERE person = ?`, want.Person).Scan(&width); err != nil {
		t.Fatal(err)
	}
	if width != 9+8*len(feature.Names()) {
		t.Errorf("features column is %d bytes, want the values only (%d)", width, 9+8*len(feature.Names()))
	}
}

// SaveChunk stores the scores and moves the job's checkpoint in the same
// transaction: after it, both are there.
func TestSaveChunkCheckpointsWithTheScores(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	st := db.Scores()
	p, err := st.PrepareScores([]*sesame.Score{realisticScore(1), realisticScore(2)})
	if err != nil || p.Len() != 2 {
		t.Fatalf("prepare: %v, %v", p, err)
	}
	if err := st.SaveChunk(ctx, p, "rescore", "p00000002"); err != nil {
		t.Fatal(err)
	}
	if pos, _ := st.Checkpoint(ctx, "rescore"); pos != "p00000002" {
		t.Errorf("checkpoint %q", pos)
	}
	for _, id := range []string{"p00000001", "p00000002"} {
		if _, err := st.LatestScore(ctx, id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if err := st.SaveChunk(ctx, p, "", "x"); err == nil {
		t.Error("a chunk without a job was accepted")
	}
}
