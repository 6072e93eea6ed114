package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/simulate"
)

// TestDemoBackfillsMonthlyHistory: the demo's first people get a score as
// of each of the last 24 month ends before today's, so that the portal's
// chart draws a line; the others have today's score only.
func TestDemoBackfillsMonthlyHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo population")
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "demo.db")
	start := time.Now()
	if err := buildDemoHistory(ctx, db, 300, 5, 7, func(string) {}); err != nil {
		t.Fatal(err)
	}
	t.Logf("demo of 300 people with 5 histories built in %s", time.Since(start).Round(time.Millisecond))
	svc, st, err := openScoreService(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	hist, err := svc.History(ctx, simulate.PersonID(1), 100)
	if err != nil {
		t.Fatal(err)
	}
	var scored []sesame.ScorePoint
	for _, p := range hist {
		if p.Status == sesame.StatusScored {
			scored = append(scored, p)
		}
	}
	// The simulation covers 24 months and a score needs some history: most
	// month ends are scored, each in its own month, newest first, today's on top.
	if len(scored) < 13 {
		t.Fatalf("p00000001 has %d scored points, want a monthly line (%d points in all)", len(scored), len(hist))
	}
	if age := time.Since(hist[0].AsOf); age > time.Hour {
		t.Errorf("the newest point is %s old; today's score should be the latest", age)
	}
	months := map[string]bool{}
	distinct := map[int]bool{}
	for i, p := range hist {
		m := p.AsOf.UTC().Format("2006-01")
		if months[m] {
			t.Errorf("two points in %s", m)
		}
		months[m] = true
		distinct[p.Score] = true
		if i > 0 && !p.AsOf.Before(hist[i-1].AsOf) {
			t.Errorf("history is not newest first at %d: %s after %s", i, p.AsOf, hist[i-1].AsOf)
		}
	}
	if len(distinct) < 2 {
		t.Errorf("every monthly score is %d: the ledger was not cut at each month end", scored[0].Score)
	}
	latest, err := svc.LatestScore(ctx, simulate.PersonID(1))
	if err != nil {
		t.Fatal(err)
	}
	if latest.AsOf != hist[0].AsOf {
		t.Errorf("the latest score is as of %s, not today's %s: the backfill overwrote it", latest.AsOf, hist[0].AsOf)
	}
	other, err := svc.History(ctx, simulate.PersonID(6), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(other) != 1 {
		t.Errorf("p00000006, beyond the 5 backfilled, has %d points, want today's only", len(other))
	}
}
