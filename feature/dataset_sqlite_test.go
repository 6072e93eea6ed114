package feature_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// TestBuildDatasetFromSQLite runs the training-set builder against a real
// SQLite ledger and checks every row against a from-scratch computation.
func TestBuildDatasetFromSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := simulate.New(simulate.Options{Seed: 5})
	const n = 400
	people := map[string][]sesame.Event{}
	var batch []sesame.Event
	for i := 0; i < n; i++ {
		evs := append([]sesame.Event(nil), g.Person(i)...)
		people[evs[0].Person] = evs
		batch = append(batch, evs...)
	}
	if _, err := db.Events().Append(ctx, batch); err != nil {
		t.Fatal(err)
	}
	asOf := simulate.DefaultEnd.AddDate(0, -12, 0)
	var buf bytes.Buffer
	st, err := feature.BuildDataset(ctx, db.Events(), &buf, feature.DatasetOptions{AsOf: asOf, End: simulate.DefaultEnd,
		Outcome: feature.AllOutcomes, MinHistory: 90 * 24 * time.Hour, Protected: []string{"sex"}, Backfilled: true, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st.People != n || st.Rows+st.AlreadyBad+st.TooLittleHistory+st.NoHistory != n || st.Rows == 0 {
		t.Fatalf("stats %+v", st)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	if head[0] != "person" || head[len(head)-2] != "bad" || head[len(head)-1] != "protected_sex" || len(head) != feature.Len()+3 {
		t.Fatalf("header %v", head)
	}
	prev := ""
	for _, r := range recs[1:] {
		if r[0] <= prev {
			t.Fatal("rows are not in person order")
		}
		prev = r[0]
		evs := people[r[0]]
		want := feature.Compute(evs, asOf)
		for j, w := range want {
			got := math.NaN()
			if r[j+1] != "" {
				got, _ = strconv.ParseFloat(r[j+1], 64)
			}
			if !(math.IsNaN(w) && math.IsNaN(got)) && math.Abs(got-w) > 1e-9*math.Max(1, math.Abs(w)) {
				t.Fatalf("%s %s: %v in the CSV, %v from scratch", r[0], head[j+1], got, w)
			}
		}
		if r[len(r)-1] != "female" && r[len(r)-1] != "male" {
			t.Fatalf("%s: protected column %q", r[0], r[len(r)-1])
		}
	}
	// A live ledger (not backfilled): nothing was recorded before the label
	// window ended, so nothing may be used.
	buf.Reset()
	st, err = feature.BuildDataset(ctx, db.Events(), &buf, feature.DatasetOptions{AsOf: asOf, End: simulate.DefaultEnd, Outcome: feature.AllOutcomes})
	if err != nil || st.Rows != 0 {
		t.Fatalf("live ledger recorded today: %d rows, %v", st.Rows, err)
	}
}

// TestDatasetRawEqualsTyped: the raw build (ScanRaw + ApplyJSON) writes the
// typed build's file byte for byte, backfilled or live, with late-recorded
// events, more people than a batch and a person recorded only after the
// window.
func TestDatasetRawEqualsTyped(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := simulate.New(simulate.Options{Seed: 9})
	const n = 1500
	// The last third of the first 300 people's events arrive late: recorded
	// after the live case's as-of time (features must not see them; labels do).
	var first, late []sesame.Event
	for i := 0; i < n; i++ {
		evs := g.Person(i)
		cut := len(evs)
		if i < 300 {
			cut = len(evs) * 2 / 3
		}
		first, late = append(first, evs[:cut]...), append(late, evs[cut:]...)
	}
	if _, err := db.Events().Append(ctx, first); err != nil {
		t.Fatal(err)
	}
	liveAsOf := time.Now()
	time.Sleep(5 * time.Millisecond)
	if _, err := db.Events().Append(ctx, late); err != nil {
		t.Fatal(err)
	}
	end, err := db.Events().LedgerEnd(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw := func(ctx context.Context, fn func([]feature.RawPerson, func()) error) error {
		return db.FeatureStates().ScanEvents(ctx, "", end, fn)
	}
	for _, tc := range []struct {
		name  string
		asOf  time.Time
		until time.Time
		back  bool
	}{
		{"backfilled", simulate.DefaultEnd.AddDate(0, -12, 0), simulate.DefaultEnd, true},
		{"backfilled, 60 days", simulate.DefaultEnd.AddDate(0, -6, 0), simulate.DefaultEnd.AddDate(0, -4, 0), true},
		// Live: recorded today, so the as-of time is today; late events
		// were recorded after it.
		{"live", liveAsOf, liveAsOf.AddDate(1, 0, 0), false},
	} {
		opt := feature.DatasetOptions{AsOf: tc.asOf, End: tc.until, Outcome: feature.AllOutcomes, MinHistory: 90 * 24 * time.Hour,
			Protected: []string{"sex"}, Backfilled: tc.back, Workers: 3}
		var typed, fast bytes.Buffer
		st1, err := feature.BuildDataset(ctx, db.Events(), &typed, opt)
		if err != nil {
			t.Fatal(err)
		}
		st2, err := feature.BuildDatasetRaw(ctx, raw, &fast, opt)
		if err != nil {
			t.Fatal(err)
		}
		if st1 != st2 || st1.Rows == 0 {
			t.Fatalf("%s: stats typed %+v, raw %+v", tc.name, st1, st2)
		}
		if !bytes.Equal(typed.Bytes(), fast.Bytes()) {
			a, b := strings.Split(typed.String(), "\n"), strings.Split(fast.String(), "\n")
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Fatalf("%s: line %d differs:\ntyped %s\nraw   %s", tc.name, i+1, a[i], b[i])
				}
			}
			t.Fatalf("%s: %d lines typed, %d raw", tc.name, len(a), len(b))
		}
	}
}
