package score

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/postgres/pgtest"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// catalogueModel trains a small model on catalogue features, so that the
// score depends on state the snapshots must get right.
func catalogueModel(t *testing.T) *model.Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(8, 9))
	n := 3000
	dpd, util, months, label := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		dpd[i] = float64(rng.IntN(60))
		util[i] = rng.Float64()
		months[i] = float64(rng.IntN(48))
		z := -2 + 0.04*dpd[i] + 1.5*util[i] - 0.03*months[i]
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			label[i] = 1
		}
	}
	d := &model.Dataset{Label: label, Columns: []model.Column{
		{Name: "worst_dpd_12m", Type: "numeric", Num: dpd},
		{Name: "utilisation_now", Type: "numeric", Num: util},
		{Name: "months_of_activity", Type: "numeric", Num: months},
	}}
	m, err := model.Train(d, model.Config{Seed: 7, Bags: 2, MaxRounds: 200, Catalogue: model.Catalogue{
		"worst_dpd_12m": {Dimension: "credit_history"}, "utilisation_now": {Dimension: "fulfilment"}, "months_of_activity": {Dimension: "behaviour"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRescoreFromStatesEqualsFromScratch: a full rescore from stored
// feature states — built by the first rescore, then brought forward after
// late events (occurring before the people's latest events), a new person
// and an on-event refresh — stores exactly the scores and features that
// scoring each person from scratch from the ledger gives.
func TestRescoreFromStatesEqualsFromScratch(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		st := db.Scores()
		testRescoreFromStates(t, stateEngine{events: db.Events(), scanner: db.Events(), scores: st, models: st, states: db.FeatureStates()})
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := postgres.Open(context.Background(), pgtest.FreshURL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		st := db.Scores()
		testRescoreFromStates(t, stateEngine{events: db.Events(), scanner: db.Events(), scores: st, models: st, states: db.FeatureStates()})
	})
}

// stateEngine is one engine's stores for testRescoreFromStates.
type stateEngine struct {
	events  sesame.EventStore
	scanner sesame.EventScanner
	scores  sesame.ScoreStore
	models  sesame.ModelStore
	states  StateStore
}

func testRescoreFromStates(t *testing.T, db stateEngine) {
	ctx := context.Background()
	g := simulate.New(simulate.Options{Seed: 5})
	const people = 300
	var now, held []sesame.Event
	for i := 0; i < people; i++ {
		evs := g.Person(i)
		for k, e := range evs {
			// Every third person has one event held back: it arrives late.
			if i%3 == 0 && k == len(evs)/2 {
				held = append(held, e)
				continue
			}
			now = append(now, e)
		}
	}
	if _, err := db.events.Append(ctx, now); err != nil {
		t.Fatal(err)
	}
	clock := time.Now().Add(time.Hour).Truncate(time.Second) // after every recorded_at
	svc := &Service{Events: db.events, Scanner: db.scanner, Scores: db.scores, Models: db.models, States: db.states,
		Profiler: NewFeatureProfiler(DefaultMinHistory), Now: func() time.Time { return clock }}
	svc.engine.Store(NewEngine(catalogueModel(t), "cat", svc.Profiler))

	check := func(step string, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			p := simulate.PersonID(i)
			got, err := svc.LatestScore(ctx, p)
			if err != nil {
				t.Fatalf("%s: %s: %v", step, p, err)
			}
			want, _, err := svc.Compute(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if got.Score != want.Score || got.Status != want.Status || !got.AsOf.Equal(want.AsOf) || len(got.Features) != len(want.Features) {
				t.Fatalf("%s: %s: stored %d %s as of %s with %d features, from scratch %d %s as of %s with %d", step, p,
					got.Score, got.Status, got.AsOf, len(got.Features), want.Score, want.Status, want.AsOf, len(want.Features))
			}
			for k, v := range want.Features {
				if got.Features[k] != v {
					t.Fatalf("%s: %s: feature %s stored %v, from scratch %v", step, p, k, got.Features[k], v)
				}
			}
		}
	}

	stats, err := svc.RescoreAll(ctx, RescoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Mode != "rebuild" || stats.People != people || stats.Refolded != people {
		t.Fatalf("first rescore: %+v", stats)
	}
	check("rebuild", people)

	// Late events, and a new person; a month on.
	extra := g.Person(people)
	if _, err := db.events.Append(ctx, append(held, extra...)); err != nil {
		t.Fatal(err)
	}
	clock = clock.AddDate(0, 1, 0)
	stats, err = svc.RescoreAll(ctx, RescoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Mode != "snapshots" || stats.People != people+1 || stats.Refolded != len(held)+1 {
		t.Fatalf("rescore after late events: %+v (want %d refolded)", stats, len(held)+1)
	}
	check("snapshots", people+1)

	// Nothing new: nobody is refolded, and the scores still match a day on.
	clock = clock.Add(24 * time.Hour)
	if stats, err = svc.RescoreAll(ctx, RescoreOptions{}); err != nil || stats.Refolded != 0 || stats.People != people+1 {
		t.Fatalf("idle rescore: %+v, %v", stats, err)
	}
	check("idle", people+1)

	// The on-event path: one more late event for person 1, refreshed.
	late := g.Person(1)[2]
	late.ID += "-again"
	if _, err := db.events.Append(ctx, []sesame.Event{late}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Refresh(ctx, simulate.PersonID(1)); err != nil {
		t.Fatal(err)
	}
	check("refresh", 2)
	if sn, ok, err := db.states.LoadState(ctx, simulate.PersonID(1)); err != nil || !ok || sn.FoldedAt != clock.UnixNano() {
		t.Fatalf("refresh did not store the state: %+v %v %v", sn.FoldedAt, ok, err)
	}
	// And the next full rescore does not refold them again.
	if stats, err = svc.RescoreAll(ctx, RescoreOptions{}); err != nil || stats.Refolded != 0 {
		t.Fatalf("rescore after refresh: %+v, %v", stats, err)
	}
	check("after refresh", people+1)
}
