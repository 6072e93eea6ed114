package main

// The engines mode (-pg URL): the same simulated population in a new SQLite
// file and a new PostgreSQL schema, and the batch paths timed on each, side
// by side — the issue-20 target is PostgreSQL at no less than a third of
// SQLite's rate for the full rescore and the dataset build.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/table"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/score"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// engine is one store's handles for the batch paths.
type engine struct {
	name   string
	events sesame.EventStore
	svc    *score.Service
	states score.StateStore
}

// figures are one engine's rates, people a second.
type figures struct {
	dataset, rebuild, rescore float64
}

func compareEngines(ctx context.Context, pgURL string, people int, seed uint64, late int, keep bool) {
	dir, err := os.MkdirTemp("", "bench-rescore-")
	check(err)
	defer os.RemoveAll(dir)
	lite, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"))
	check(err)
	defer lite.Close()
	schemaURL, drop := freshSchema(ctx, pgURL, keep)
	defer drop()
	pg, err := postgres.Open(ctx, schemaURL)
	check(err)
	defer pg.Close()

	engines := []*engine{
		newEngine("sqlite", lite.Events(), lite.Scores(), lite.Scores(), lite.FeatureStates()),
		newEngine("postgres", pg.Events(), pg.Scores(), pg.Scores(), pg.FeatureStates()),
	}
	g := simulate.New(simulate.Options{Seed: seed})
	t0 := time.Now()
	var batch []sesame.Event
	events := 0
	for i := range people {
		batch = append(batch, g.Person(i)...)
		if len(batch) >= 20_000 || i == people-1 {
			for _, e := range engines {
				_, err := e.events.Append(ctx, batch)
				check(err)
			}
			events += len(batch)
			batch = batch[:0]
		}
	}
	fmt.Printf("population: %d people, %d events (simulate seed %d), appended to both engines in %.1f s\n", people, events, seed, time.Since(t0).Seconds())
	artifact := train(ctx, lite)
	for _, e := range engines {
		info, err := e.svc.Register(ctx, artifact, "bench/rescore")
		check(err)
		check(e.svc.Models.ActivateModel(ctx, info.Version))
	}
	// ANALYZE so that PostgreSQL plans with the table's real size, as
	// autovacuum would soon after a load.
	_, err = pg.Pool().Exec(ctx, `ANALYZE`)
	check(err)

	res := make([]figures, len(engines))
	for i, e := range engines {
		res[i].dataset = datasetRate(ctx, e)
		res[i].rebuild = rescoreRate(ctx, e, score.RescoreOptions{Fresh: true, Rebuild: true}, "rebuild")
	}
	if late > 0 {
		lateEvents := lateBatch(g, people, late)
		for _, e := range engines {
			_, err := e.events.Append(ctx, lateEvents)
			check(err)
		}
		fmt.Printf("appended %d late events to each engine\n", len(lateEvents))
	}
	for i, e := range engines {
		res[i].rescore = rescoreRate(ctx, e, score.RescoreOptions{Fresh: true}, "snapshots")
	}
	fmt.Printf("\n%-46s %12s %12s %10s\n", "people/s", "sqlite", "postgres", "pg/sqlite")
	row := func(what string, a, b float64) {
		fmt.Printf("%-46s %12.0f %12.0f %9.2f×\n", what, a, b, b/a)
	}
	row("dataset build (raw scan, as of 12 months back)", res[0].dataset, res[1].dataset)
	row("rescore, rebuild (every person refolded)", res[0].rebuild, res[1].rebuild)
	row("full rescore from stored states", res[0].rescore, res[1].rescore)
}

func newEngine(name string, events sesame.EventStore, scores sesame.ScoreStore, models sesame.ModelStore, states score.StateStore) *engine {
	scanner := events.(sesame.EventScanner)
	return &engine{name: name, events: events, states: states, svc: &score.Service{Events: events, Scanner: scanner,
		Scores: scores, Models: models, States: states, Profiler: score.NewFeatureProfiler(score.DefaultMinHistory)}}
}

// datasetRate builds the training set as `sesame dataset build` does on
// either engine (the raw scan of the feature-state store) and discards it.
func datasetRate(ctx context.Context, e *engine) float64 {
	end := simulate.DefaultEnd
	to, err := e.states.LedgerEnd(ctx)
	check(err)
	t0 := time.Now()
	st, err := feature.BuildDatasetRaw(ctx, func(ctx context.Context, fn func([]feature.RawPerson, func()) error) error {
		return e.states.ScanEvents(ctx, "", to, fn)
	}, io.Discard, feature.DatasetOptions{AsOf: end.AddDate(-1, 0, 0), End: end, Outcome: feature.AllOutcomes,
		MinHistory: 90 * 24 * time.Hour, Protected: []string{"sex"}, Backfilled: true})
	check(err)
	s := time.Since(t0).Seconds()
	fmt.Printf("%s: dataset build: %d people, %d rows in %.2f s = %.0f people/s\n", e.name, st.People, st.Rows, s, float64(st.People)/s)
	return float64(st.People) / s
}

func rescoreRate(ctx context.Context, e *engine, opt score.RescoreOptions, wantMode string) float64 {
	stats, err := e.svc.RescoreAll(ctx, opt)
	check(err)
	if stats.Mode != wantMode {
		check(fmt.Errorf("%s: rescore ran in mode %s, want %s", e.name, stats.Mode, wantMode))
	}
	s := stats.Elapsed.Seconds()
	fmt.Printf("%s: rescore (%s): %d people in %.2f s = %.0f people/s (%d refolded, %d scored)\n",
		e.name, stats.Mode, stats.People, s, float64(stats.People)/s, stats.Refolded, stats.Scored)
	return float64(stats.People) / s
}

// lateBatch gives n people spread over the population one more event each
// (as addLate).
func lateBatch(g *simulate.Generator, people, n int) []sesame.Event {
	step := max(1, people/n)
	stamp := time.Now().UnixNano()
	var batch []sesame.Event
	for i := 0; i < n && i*step < people; i++ {
		evs := g.Person(i * step)
		if len(evs) < 3 {
			continue
		}
		e := evs[len(evs)/2]
		e.ID = fmt.Sprintf("%s-late-%d", e.ID, stamp)
		batch = append(batch, e)
	}
	return batch
}

// train trains a model on the population as `sesame demo` does.
func train(ctx context.Context, db *sqlite.DB) []byte {
	end := simulate.DefaultEnd
	var csv bytes.Buffer
	_, err := feature.BuildDataset(ctx, db.Events(), &csv, feature.DatasetOptions{AsOf: end.AddDate(-1, 0, 0), End: end,
		Outcome: feature.AllOutcomes, MinHistory: 90 * 24 * time.Hour, Protected: []string{"sex"}, Backfilled: true})
	check(err)
	t, err := table.Read(&csv)
	check(err)
	d, err := model.LoadDataset(t, model.DataSpec{Label: "bad", Exclude: []string{"person"}, Protected: []string{"protected_sex"}})
	check(err)
	cfg := model.Config{Kind: model.KindAdditive, Interactions: -1, Seed: 42, Catalogue: score.ModelCatalogue()}
	cfg.Scaling = model.DefaultScaling()
	m, err := model.Train(d, cfg)
	check(err)
	var out bytes.Buffer
	check(m.Write(&out))
	return out.Bytes()
}

// freshSchema creates a schema of its own on the server at u and returns a
// URL selecting it, and a func that drops it (unless keep).
func freshSchema(ctx context.Context, u string, keep bool) (string, func()) {
	var b [6]byte
	rand.Read(b[:])
	schema := "sesame_bench_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, u)
	check(err)
	_, err = conn.Exec(ctx, `CREATE SCHEMA `+schema)
	conn.Close(ctx)
	check(err)
	pu, err := url.Parse(u)
	check(err)
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String(), func() {
		if keep {
			fmt.Printf("kept schema %s\n", schema)
			return
		}
		if c, err := pgx.Connect(context.Background(), u); err == nil {
			c.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			c.Close(context.Background())
		}
	}
}
