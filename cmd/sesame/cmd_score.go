package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model/table"
	"github.com/sesame-credit/sesame/score"
)

// `sesame score`, `tips`, `rescore`, `model register|activate|list`, and the
// score service's part of `sesame serve`. Wiring only: the logic is package score.

func init() {
	register(&command{name: "score", summary: "compute and show a person's score now (350–950, band, dimensions, reasons, tips)", run: runScore})
	register(&command{name: "tips", summary: "show what would raise a person's score, with exact gains", run: runTips})
	register(&command{name: "rescore", summary: "rescore everyone with the active model (resumable; monthly by default in serve)", run: runRescore})
	register(&command{name: "model register", summary: "store a trained model artifact in the database (optionally activate it)", run: runModelRegister})
	register(&command{name: "model activate", summary: "make a stored model version the active one", run: runModelActivate})
	register(&command{name: "model list", summary: "list the stored model versions", run: runModelList})
}

// newScoreService builds the score service on the store (SQLite or PostgreSQL).
func newScoreService(st *store, logger *slog.Logger) (*score.Service, error) {
	scores := st.Scores()
	svc := &score.Service{Events: st.Events, Scanner: st.Scanner, Scores: scores, Models: scores, Scales: scores, Shadow: scores,
		Profiler: score.NewFeatureProfiler(score.DefaultMinHistory), Log: logger, Additions: st.Record(), Watermarks: st.Watermarks()}
	var err error
	if svc.Retention, err = envDuration("SESAME_RETENTION"); err != nil {
		return nil, err
	}
	if svc.StaleAfter, err = envDuration("SESAME_STALE_AFTER"); err != nil {
		return nil, err
	}
	if st.SQLite != nil {
		// Stored feature states: rescores read them instead of every event.
		svc.States = st.SQLite.FeatureStates()
	} else if st.Postgres != nil {
		svc.States = st.Postgres.FeatureStates()
	}
	return svc, nil
}

// coverageFlags registers --retention and --stale-after, which say how long
// negative records count and how long a source may lag before it is shown
// as stale.
func coverageFlags(fs *flag.FlagSet) (retention, staleAfter *time.Duration) {
	r, _ := envDuration("SESAME_RETENTION")
	st, _ := envDuration("SESAME_STALE_AFTER")
	if r == 0 {
		r = feature.DefaultRetention
	}
	if st == 0 {
		st = sesame.DefaultStaleAfter
	}
	retention = fs.Duration("retention", r, "negative records (late payments, defaults, public records, unpaid bills) stop counting after this `DURATION` (env SESAME_RETENTION)")
	staleAfter = fs.Duration("stale-after", st, "a source whose data lags by more than this `DURATION` is shown as stale (env SESAME_STALE_AFTER)")
	return retention, staleAfter
}

// envDuration reads a duration from the environment (0 when unset).
func envDuration(key string) (time.Duration, error) {
	v := os.Getenv(key)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w (e.g. 43800h)", key, err)
	}
	return d, nil
}

// openScoreService opens the store and the score service on it; close the store when done.
func openScoreService(ctx context.Context, dsn string) (*score.Service, *store, error) {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	svc, err := newScoreService(st, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, st, nil
}

func runScore(ctx context.Context, args []string) error {
	fs := newFlags("score", "[--db PATH|URL] [--json] [--save] [--actor NAME] PERSON")
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print the score as JSON")
	save := fs.Bool("save", false, "also store it (history) as a refresh would")
	actor := actorFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give exactly one PERSON")
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := logCLIRead(ctx, st, *actor, fs.Arg(0), "score"); err != nil {
		return err
	}
	sc, _, err := svc.Compute(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if *save {
		if err := svc.Scores.SaveScores(ctx, []*sesame.Score{sc}); err != nil {
			return err
		}
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(sc)
	}
	printScore(sc)
	return nil
}

func printScore(sc *sesame.Score) {
	if sc.Status != sesame.StatusScored {
		fmt.Printf("%s: not enough history to score (model %s, as of %s)\n", sc.Person, sc.ModelVersion, sc.AsOf.Format(time.DateOnly))
		for _, m := range sc.Missing {
			fmt.Printf("  - %s\n", m)
		}
		return
	}
	fmt.Printf("%s: %d (%s)   model %s, as of %s\n", sc.Person, sc.Score, strings.ReplaceAll(string(sc.Band), "_", " "), sc.ModelVersion, sc.AsOf.Format(time.RFC3339))
	for _, d := range sc.DataAsOf {
		stale := ""
		if d.Stale {
			stale = "   STALE: nothing after this date is known, and none of it counts against the person"
		}
		fmt.Printf("  data from %s complete up to %s%s\n", d.Source, d.AsOf.Format(time.RFC3339), stale)
	}
	fmt.Println()
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "dimension\tsub-score\tpoints")
	for _, d := range sc.Dimensions {
		fmt.Fprintf(w, "%s\t%d\t%.0f\n", d.Dimension, d.Score, d.Points)
	}
	w.Flush()
	if len(sc.Reasons) > 0 {
		fmt.Println("\nWhat costs points (below the best attainable):")
		for _, r := range sc.Reasons {
			fmt.Printf("  -%3.0f  %-3s  %s\n", r.PointsLost, r.Code, r.Text)
		}
	}
	printTips(sc.Tips)
}

func printTips(tips []sesame.Tip) {
	if len(tips) == 0 {
		fmt.Println("\nNo change within the person's reach would raise the score under this model.")
		return
	}
	fmt.Println("\nWhat would raise it:")
	for _, t := range tips {
		fmt.Printf("  +%3d  %s\n", t.Gain, t.Action)
	}
}

func runTips(ctx context.Context, args []string) error {
	fs := newFlags("tips", "[--db PATH|URL] [--json] [--actor NAME] PERSON")
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print the tips as JSON")
	actor := actorFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give exactly one PERSON")
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := logCLIRead(ctx, st, *actor, fs.Arg(0), "tips"); err != nil {
		return err
	}
	sc, _, err := svc.Compute(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"person": sc.Person, "score": sc.Score, "tips": sc.Tips})
	}
	fmt.Printf("%s: %d\n", sc.Person, sc.Score)
	printTips(sc.Tips)
	return nil
}

func runRescore(ctx context.Context, args []string) error {
	fs := newFlags("rescore", "[--db PATH|URL] [--all] [--fresh] [--rebuild] [--json]")
	dsn := dbFlag(fs)
	fs.Bool("all", true, "rescore every person (the only mode; kept for scripts)")
	fresh := fs.Bool("fresh", false, "start from the first person even if an earlier run left a checkpoint")
	rebuild := fs.Bool("rebuild", false, "refold everyone from the ledger and rewrite the stored feature states (done anyway the first time)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	prog := newCountProgress("rescore", "people", -1)
	// The total is counted beside the rescore, so that a large ledger's
	// count does not delay the start; progress shows it once known.
	countCtx, stopCount := context.WithCancel(ctx)
	defer stopCount()
	go func() {
		if n, err := st.CountPeople(countCtx); err == nil {
			prog.setTotal(n)
		}
	}()
	// The live heap is a few chunks of scores and states: collecting less
	// often gave back a sixth of a million-person rescore's CPU.
	debug.SetGCPercent(400)
	stats, err := svc.RescoreAll(ctx, score.RescoreOptions{Fresh: *fresh, Rebuild: *rebuild, Progress: prog.set})
	prog.finish()
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(os.Stderr, "rescore: interrupted; run it again to resume from the checkpoint")
		}
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(stats)
	}
	resumed := ""
	if stats.ResumedAfter != "" {
		resumed = " (resumed after " + stats.ResumedAfter + ")"
	}
	fmt.Printf("rescored %d people in %s%s: %d scored, %d with too little history; model %s; %.0f people/s; features from %s (%d refolded from the ledger)\n",
		stats.People, stats.Elapsed.Round(time.Millisecond), resumed, stats.Scored, stats.Insufficient, stats.ModelVersion,
		float64(stats.People)/stats.Elapsed.Seconds(), stats.Mode, stats.Refolded)
	return nil
}

func runModelRegister(ctx context.Context, args []string) error {
	fs := newFlags("model register", "[--db PATH|URL] [--activate] [--note TEXT] [--population FILE.csv] MODEL.json")
	dsn := dbFlag(fs)
	activate := fs.Bool("activate", false, "make it the active model (then run sesame rescore)")
	note := fs.String("note", "", "a note kept with the version")
	populationFile := fs.String("population", "", "the people the version is about to score, as model rows (e.g. sesame dataset build --as-of today): their drift against the training baseline is stored with the version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give exactly one MODEL.json")
	}
	artifact, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	var population *table.Table
	if *populationFile != "" {
		if population, err = table.ReadFile(*populationFile); err != nil {
			return err
		}
	}
	info, err := svc.RegisterWithPopulation(ctx, artifact, *note, population)
	if err != nil {
		return err
	}
	if d := info.Drift; d != nil && d.ScorePSI != nil {
		fmt.Fprintf(os.Stderr, "drift at registration over %d people: score PSI %.4f\n", d.People, *d.ScorePSI)
	}
	if *activate {
		if err := svc.Models.ActivateModel(ctx, info.Version); err != nil {
			return err
		}
	}
	fmt.Println(info.Version)
	return nil
}

func runModelActivate(ctx context.Context, args []string) error {
	fs := newFlags("model activate", "[--db PATH|URL] VERSION")
	dsn := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give exactly one VERSION (see sesame model list)")
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := svc.Models.ActivateModel(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "model %s is active; run 'sesame rescore' (a running server rescores after POST /v1/operator/models/%s/activate)\n", fs.Arg(0), fs.Arg(0))
	return nil
}

func runModelList(ctx context.Context, args []string) error {
	fs := newFlags("model list", "[--db PATH|URL] [--json]")
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	ms, err := svc.Models.Models(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(ms)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "version\tkind\tcreated\tvalidation AUC\tactive\tnote")
	for _, m := range ms {
		active := ""
		if m.Active {
			active = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%.4f\t%s\t%s\n", m.Version, m.Kind, m.CreatedAt.Format(time.DateTime), m.AUC, active, m.Note)
	}
	return w.Flush()
}
