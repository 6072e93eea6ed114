package score

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// TestRescorerRunsScoreEachPersonOnce: on SQLite with feature states, a
// run cut into ranges — one of them claimed by a worker that dies — scores
// every person exactly once per run, the same scores as from scratch, in
// rebuild and then in snapshot mode, and the last range saves the
// snapshots' coverage at the run's position.
func TestRescorerRunsScoreEachPersonOnce(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := simulate.New(simulate.Options{Seed: 6})
	const people = 150
	var events []sesame.Event
	for i := range people {
		events = append(events, g.Person(i)...)
	}
	if _, err := db.Events().Append(ctx, events); err != nil {
		t.Fatal(err)
	}
	st := db.Scores()
	clock := time.Now().Add(time.Hour).Truncate(time.Second)
	svc := &Service{Events: db.Events(), Scanner: db.Events(), Scores: st, Models: st, States: db.FeatureStates(),
		Profiler: NewFeatureProfiler(DefaultMinHistory), Now: func() time.Time { return clock }}
	svc.engine.Store(NewEngine(catalogueModel(t), "cat", svc.Profiler))
	queue := db.Cluster()
	r := &Rescorer{Service: svc, Queue: queue, Holder: "b", RangePeople: 20, Claim: 100 * time.Millisecond}

	for run := 1; run <= 2; run++ {
		id, err := r.Enqueue(ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		// A worker claims a range and dies: its claim expires and b takes it.
		if _, ok, err := queue.ClaimRange(ctx, "dead", 50*time.Millisecond); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		r.tick(ctx)
		time.Sleep(100 * time.Millisecond)
		r.tick(ctx)
		runs, err := queue.RescoreRuns(ctx, 1)
		if err != nil || len(runs) != 1 || runs[0].ID != id || runs[0].FinishedAt.IsZero() || runs[0].Ranges != people/20+1 {
			t.Fatalf("run %d: %+v %v", run, runs, err)
		}
		for i := range people {
			p := simulate.PersonID(i)
			h, err := svc.History(ctx, p, 10)
			if err != nil || len(h) != run {
				t.Fatalf("run %d: %s has %d scores (%v), want %d", run, p, len(h), err, run)
			}
			got, _ := svc.LatestScore(ctx, p)
			want, _, err := svc.Compute(ctx, p)
			if err != nil || got.Score != want.Score || got.Status != want.Status {
				t.Fatalf("run %d: %s stored %d %s, from scratch %d %s (%v)", run, p, got.Score, got.Status, want.Score, want.Status, err)
			}
		}
		// The run's counts and drift, over ranges scored apart, are those
		// of the whole population's stored scores.
		e, _ := svc.Engine(ctx)
		want := e.model.NewDrift()
		scored := 0
		for i := range people {
			sc, _ := svc.LatestScore(ctx, simulate.PersonID(i))
			e.countDrift(want, sc)
			if sc.Status == sesame.StatusScored {
				scored++
			}
		}
		if u := runs[0]; u.People != people || u.Scored != scored || u.Insufficient != people-scored {
			t.Errorf("run %d: people %d, scored %d, insufficient %d; want %d, %d, %d", run, u.People, u.Scored, u.Insufficient, people, scored, people-scored)
		}
		if st, err := r.RunStatus(ctx); err != nil || st.Last == nil || st.Last.Scored != scored || st.Last.Insufficient != people-scored {
			t.Errorf("run %d: status %+v %v; want scored %d", run, st.Last, err, scored)
		}
		svc.Runs = r
		dv, d, ok := svc.Drift()
		svc.Runs = nil
		if w := want.Drift(); !ok || dv != "cat" || d.Rows != scored || d.Score != w.Score || !reflect.DeepEqual(d.Features, w.Features) {
			t.Errorf("run %d: drift %s %+v %v, want of the whole population %+v", run, dv, d, ok, w)
		}
		version, through, ok, err := db.FeatureStates().Coverage(ctx)
		end, _ := db.FeatureStates().LedgerEnd(ctx)
		if err != nil || !ok || version != feature.SnapshotVersion || through != end {
			t.Fatalf("run %d: coverage %d %d %v %v, want through %d", run, version, through, ok, err, end)
		}
		// A late event for one person before the next run, a month on.
		late := g.Person(3)[1]
		late.ID += "-late"
		if _, err := db.Events().Append(ctx, []sesame.Event{late}); err != nil {
			t.Fatal(err)
		}
		clock = clock.AddDate(0, 1, 0)
	}
	// The lease holder keeps only the newest Keep runs.
	r.Keep, r.lastPrune = 1, time.Time{}
	r.tick(ctx)
	if runs, err := queue.RescoreRuns(ctx, 10); err != nil || len(runs) != 1 {
		t.Errorf("runs after pruning to 1: %+v %v", runs, err)
	}
}

// TestPendingRefresherRescoresAfterEvents: people with events after the
// pending position are rescored by a round, whatever wrote the events, and
// a round that fails leaves them pending.
func TestPendingRefresherRescoresAfterEvents(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := db.Scores()
	svc := &Service{Events: db.Events(), Scanner: db.Events(), Scores: st, Models: st, States: db.FeatureStates(),
		Profiler: NewFeatureProfiler(DefaultMinHistory)}
	svc.engine.Store(NewEngine(catalogueModel(t), "cat", svc.Profiler))
	pending := db.Cluster()
	if _, err := pending.ClaimPending(ctx, "a", 0, time.Minute); err != nil {
		t.Fatal(err)
	}
	g := simulate.New(simulate.Options{Seed: 2})
	events := append([]sesame.Event(nil), g.Person(0)...) // Person reuses its slice
	if _, err := db.Events().Append(ctx, append(events, g.Person(1)...)); err != nil {
		t.Fatal(err)
	}
	r := &PendingRefresher{Service: svc, Pending: pending, Holder: "a"}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.round(cctx, time.Minute); err == nil {
		t.Fatal("a round on a cancelled context succeeded")
	}
	if n, err := r.round(ctx, time.Minute); err != nil || n != 2 {
		t.Fatalf("round: %d people, %v; want the 2 left pending", n, err)
	}
	for _, p := range []string{simulate.PersonID(0), simulate.PersonID(1)} {
		if _, err := svc.LatestScore(ctx, p); err != nil {
			t.Errorf("%s not rescored: %v", p, err)
		}
	}
	if n, err := r.round(ctx, time.Minute); err != nil || n != 0 {
		t.Fatalf("second round: %d people, %v; want none", n, err)
	}
}

// TestRangedRescoreResumesItsCounts: a range interrupted after some of its
// people and resumed from its checkpoint reports the counts and drift of
// all of them, as if it had run in one go.
func TestRangedRescoreResumesItsCounts(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := simulate.New(simulate.Options{Seed: 8})
	var events []sesame.Event
	for i := range 40 {
		events = append(events, g.Person(i)...)
	}
	if _, err := db.Events().Append(ctx, events); err != nil {
		t.Fatal(err)
	}
	st := db.Scores()
	svc := &Service{Events: db.Events(), Scanner: db.Events(), Scores: st, Models: st, States: db.FeatureStates(),
		Profiler: NewFeatureProfiler(DefaultMinHistory)}
	svc.engine.Store(NewEngine(catalogueModel(t), "cat", svc.Profiler))
	mid, end := simulate.PersonID(14), simulate.PersonID(29)

	whole, err := svc.RescoreAll(ctx, RescoreOptions{Job: "whole", Ranged: true, Through: end})
	if err != nil {
		t.Fatal(err)
	}
	// The first attempt stops at mid (as a replica killed there would,
	// its checkpoint saved); the second resumes from its checkpoint.
	if _, err := svc.RescoreAll(ctx, RescoreOptions{Job: "split", Ranged: true, Through: mid}); err != nil {
		t.Fatal(err)
	}
	rest, err := svc.RescoreAll(ctx, RescoreOptions{Job: "split", Ranged: true, Through: end})
	if err != nil {
		t.Fatal(err)
	}
	if rest.ResumedAfter != mid {
		t.Fatalf("resumed after %q, want %q", rest.ResumedAfter, mid)
	}
	if whole.People != 30 || rest.People != whole.People || rest.Scored != whole.Scored || rest.Insufficient != whole.Insufficient {
		t.Errorf("resumed range counted %d people (%d scored, %d insufficient); in one go %d (%d, %d), want 30",
			rest.People, rest.Scored, rest.Insufficient, whole.People, whole.Scored, whole.Insufficient)
	}
	if whole.Drift == nil || whole.Drift.Rows == 0 || !reflect.DeepEqual(rest.Drift, whole.Drift) {
		t.Errorf("resumed range's drift counts %+v, in one go %+v", rest.Drift, whole.Drift)
	}
}
