// Command rescore is the issue-5 benchmark for a full rescore of everyone
// (sesame rescore --all) on a simulated ledger, in one run, side by side:
//
//  1. rebuild: every person folded from the raw ledger (sqlite ScanRaw +
//     State.ApplyJSON), scored, and their feature state stored — what the
//     first rescore on a database does;
//  2. then -late people get one late event each (occurring before their
//     latest one), as ingestion would bring between two rescores;
//  3. snapshots: the full rescore proper — each person's stored state read
//     in person order, features as of now, scored, scores saved in chunks
//     of 2,000 with a checkpoint each; only the people with new events are
//     refolded, from their state forward.
//
// Usage:
//
//	go run ./bench/rescore -db PATH [-model MODEL.json] [-late 10000] [-skip-rebuild]
//
// The database must hold a ledger (bench/features fills one); -model
// registers and activates an artifact when the database has no active model
// (a model trained on a smaller population of the same simulation does).
//
// With -pg URL it instead compares the engines (engines.go): -people
// simulated people go into a new SQLite file and a new schema on that
// PostgreSQL server, a model is trained on them, and the dataset build, the
// rebuild and the full rescore from stored states run on each, printed side
// by side:
//
//	go run ./bench/rescore -pg postgres://postgres@127.0.0.1:5432/test -people 20000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/bench/internal/proc"
	"github.com/sesame-credit/sesame/score"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

func main() {
	dbPath := flag.String("db", "", "SQLite database holding a simulated ledger")
	modelPath := flag.String("model", "", "model artifact to register and activate when none is active")
	late := flag.Int("late", 10_000, "people given one late event between the two rescores")
	seed := flag.Uint64("seed", 42, "the simulation seed of the ledger (to make the late events)")
	skipRebuild := flag.Bool("skip-rebuild", false, "do not rebuild the feature states first (reuse the stored ones)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the rescore from stored states to this file")
	pgURL := flag.String("pg", "", "compare SQLite and the PostgreSQL server at this `URL` on a new simulated population")
	people := flag.Int("people", 20_000, "people simulated for -pg")
	keep := flag.Bool("keep-schema", false, "with -pg, keep the PostgreSQL schema the run created")
	flag.Parse()
	debug.SetGCPercent(400) // as `sesame rescore` runs
	if *pgURL != "" {
		compareEngines(context.Background(), *pgURL, *people, *seed, min(*late, *people/10), *keep)
		return
	}
	if *dbPath == "" {
		check(fmt.Errorf("-db is required"))
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, *dbPath)
	check(err)
	defer db.Close()
	st := db.Scores()
	svc := &score.Service{Events: db.Events(), Scanner: db.Events(), Scores: st, Models: st,
		States: db.FeatureStates(), Profiler: score.NewFeatureProfiler(score.DefaultMinHistory)}
	if _, err := svc.Engine(ctx); err != nil {
		if *modelPath == "" {
			check(fmt.Errorf("no active model: give -model MODEL.json (%v)", err))
		}
		artifact, err := os.ReadFile(*modelPath)
		check(err)
		info, err := svc.Register(ctx, artifact, "bench/rescore")
		check(err)
		check(st.ActivateModel(ctx, info.Version))
	}
	end, err := db.Events().LedgerEnd(ctx)
	check(err)
	fmt.Printf("ledger: %s, position %d; %d CPUs\n", *dbPath, end, runtime.GOMAXPROCS(0))

	if !*skipRebuild {
		measure(ctx, svc, "rebuild (every person folded from the raw ledger, states written)", score.RescoreOptions{Fresh: true, Rebuild: true})
	}
	if *late > 0 {
		t0 := time.Now()
		n := addLate(ctx, db, *late, *seed)
		fmt.Printf("appended %d late events (one each for %d people, occurring before their latest event) in %.1f s\n", n, n, time.Since(t0).Seconds())
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	measure(ctx, svc, "full rescore from stored states", score.RescoreOptions{Fresh: true})
}

func measure(ctx context.Context, svc *score.Service, what string, opt score.RescoreOptions) {
	cpu0 := proc.CPUTime().Seconds()
	stats, err := svc.RescoreAll(ctx, opt)
	check(err)
	s := stats.Elapsed.Seconds()
	fmt.Printf("%s: %d people in %.1f s = %.0f people/s (mode %s, %d refolded, %d scored, %d too little history; process CPU %.1f s)\n",
		what, stats.People, s, float64(stats.People)/s, stats.Mode, stats.Refolded, stats.Scored, stats.Insufficient, proc.CPUTime().Seconds()-cpu0)
	if stats.People >= 1_000_000 && stats.Mode == "snapshots" {
		verdict := "within"
		if s*1e6/float64(stats.People) > 30 {
			verdict = "OVER"
		}
		fmt.Printf("target: 1,000,000 people in ≤ 30 s: %.1f s (%s)\n", s*1e6/float64(stats.People), verdict)
	}
}

// addLate gives n people spread over the population one more event each: a
// copy of one of their own events under a new id, so it occurred before
// their latest event and arrives now.
func addLate(ctx context.Context, db *sqlite.DB, n int, seed uint64) int {
	var people int64
	check(db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM feature_state`).Scan(&people))
	if people == 0 {
		return 0
	}
	g := simulate.New(simulate.Options{Seed: seed})
	step := max(1, int(people)/n)
	stamp := time.Now().UnixNano()
	var batch []sesame.Event
	for i := 0; i < n && i*step < int(people); i++ {
		evs := g.Person(i * step)
		if len(evs) < 3 {
			continue
		}
		e := evs[len(evs)/2]
		e.ID = fmt.Sprintf("%s-late-%d", e.ID, stamp)
		batch = append(batch, e)
	}
	_, err := db.Events().Append(ctx, batch)
	check(err)
	return len(batch)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/rescore:", err)
		os.Exit(1)
	}
}
