// Command ingest measures, side by side in one run, how fast events go into
// the embedded SQLite ledger:
//
//   - file: the `sesame ingest` path — an NDJSON file decoded, validated and
//     appended in batches by ingest.Loader, each batch one durable
//     transaction with duplicate and conflict detection;
//   - limit: a plain bulk INSERT of the same rows (payload and fingerprint
//     computed beforehand) in ONE transaction with one prepared statement
//     into the same kind of database — what SQLite itself allows;
//
// and any runs other files of this package register (see registerRun).
//
//	go run ./bench/ingest -n 1000000
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/sesame-credit/sesame/bench/internal/proc"
	"github.com/sesame-credit/sesame/ingest"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

// Env is what a run gets: the generated input and a place for databases.
type Env struct {
	N     int    // events in the input
	Input string // the NDJSON file, N valid events with distinct keys
	Dir   string // scratch directory, removed at the end
	Batch int    // the batch size under test
}

// NewDB opens a fresh SQLite database in Env.Dir.
func (e *Env) NewDB(ctx context.Context, name string) (*sqlite.DB, error) {
	return sqlite.Open(ctx, filepath.Join(e.Dir, name+".db"))
}

// Measured is what a run reports: the events it stored and the time the
// storing took (set-up such as starting a server or pre-encoding rows is the
// run's business to leave out).
type Measured struct {
	Events int
	Took   time.Duration
}

// Run is one measured way of storing the input. Register runs with
// registerRun (e.g. from an http.go in this package, for HTTP ingestion in
// batches of 1,000) to have them measured and printed beside the others.
type Run struct {
	Name string
	Fn   func(ctx context.Context, env *Env) (Measured, error)
	// Limit marks the run that others are compared with.
	Limit bool
}

var runs []Run

func registerRun(r Run) { runs = append(runs, r) }

func init() {
	registerRun(Run{Name: "sesame ingest (NDJSON file)", Fn: runFile})
	registerRun(Run{Name: "plain INSERT, one transaction (limit)", Fn: runLimit, Limit: true})
}

func main() {
	n := flag.Int("n", 1_000_000, "events to generate")
	batch := flag.Int("batch", ingest.DefaultBatch, "events per transaction on the ingest path")
	dir := flag.String("dir", "", "scratch directory (default: a new temporary one)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the file run to `FILE`")
	only := flag.String("run", "", "measure only the runs whose name contains one of these `words` (comma-separated)")
	flag.Parse()
	ctx := context.Background()
	env := &Env{N: *n, Dir: *dir, Batch: *batch}
	if env.Dir == "" {
		d, err := os.MkdirTemp("", "sesame-bench-")
		check(err)
		defer os.RemoveAll(d)
		env.Dir = d
	}
	env.Input = filepath.Join(env.Dir, "events.ndjson")
	t := time.Now()
	size, err := generate(env.Input, env.N)
	check(err)
	fmt.Printf("input: %d mixed events (%d kinds), %.0f MiB NDJSON, generated in %.1fs; GOMAXPROCS=%d\n",
		env.N, 27, float64(size)/(1<<20), time.Since(t).Seconds(), runtime.GOMAXPROCS(0))

	type result struct {
		name   string
		rate   float64
		limit  bool
		events int
		took   time.Duration
		cpu    time.Duration // process CPU time during the run, set-up included
	}
	var results []result
	for _, r := range runs {
		if !selected(r.Name, *only) {
			continue
		}
		runtime.GC()
		var stopProfile func()
		if *cpuprofile != "" && !r.Limit {
			f, err := os.Create(*cpuprofile)
			check(err)
			check(pprof.StartCPUProfile(f))
			stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		}
		cpu0 := proc.CPUTime()
		m, err := r.Fn(ctx, env)
		cpu := proc.CPUTime() - cpu0
		if stopProfile != nil {
			stopProfile()
			*cpuprofile = ""
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", r.Name, err)
			os.Exit(1)
		}
		results = append(results, result{r.Name, float64(m.Events) / m.Took.Seconds(), r.Limit, m.Events, m.Took, cpu})
	}
	var limit float64
	for _, r := range results {
		if r.limit {
			limit = r.rate
		}
	}
	fmt.Printf("\n%-40s %10s %8s %12s %9s %12s\n", "run", "events", "seconds", "events/s", "of limit", "cpu µs/event")
	for _, r := range results {
		of := "-"
		if limit > 0 {
			of = fmt.Sprintf("%.0f%%", 100*r.rate/limit)
		}
		fmt.Printf("%-40s %10d %8.2f %12.0f %9s %12.1f\n", r.name, r.events, r.took.Seconds(), r.rate, of, float64(r.cpu.Microseconds())/float64(r.events))
	}
	fmt.Println("\ntargets: file ingest >= 200,000 events/s and >= 50% of the limit")
	fmt.Println("cpu µs/event is the process's user+system CPU over the whole run (set-up included): a check on wall-clock figures when the machine is shared")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average at the end: %s", load)
	}
}

// selected reports whether a run named name is among the comma-separated
// words of only (all runs when only is empty).
func selected(name, only string) bool {
	if only == "" {
		return true
	}
	for _, w := range strings.Split(only, ",") {
		if w != "" && strings.Contains(name, w) {
			return true
		}
	}
	return false
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// generate writes n mixed events as NDJSON and returns the file's size.
func generate(path string, n int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	g := ledgertest.NewGenerator(42, max(1, n/40)) // ~40 events per person
	enc := json.NewEncoder(w)
	for i := 0; i < n; i++ {
		e := g.Next()
		if err := enc.Encode(&e); err != nil {
			return 0, err
		}
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// runFile is the `sesame ingest FILE` path: the same decoder and loader.
// The clock covers opening the file to the last commit, as a user sees it.
func runFile(ctx context.Context, env *Env) (Measured, error) {
	db, err := env.NewDB(ctx, "file")
	if err != nil {
		return Measured{}, err
	}
	defer db.Close()
	start := time.Now()
	f, err := os.Open(env.Input)
	if err != nil {
		return Measured{}, err
	}
	defer f.Close()
	dec, err := ingest.NewDecoder(f, ingest.Options{Format: ingest.NDJSON})
	if err != nil {
		return Measured{}, err
	}
	l := &ingest.Loader{Store: db.Events(), Batch: env.Batch}
	defer debug.SetGCPercent(debug.SetGCPercent(400)) // as `sesame ingest` does
	stats, err := l.Load(ctx, dec)
	if err != nil {
		return Measured{}, err
	}
	took := time.Since(start)
	if stats.Accepted != int64(env.N) {
		return Measured{}, fmt.Errorf("accepted %d of %d events (%+v)", stats.Accepted, env.N, stats)
	}
	return Measured{Events: int(stats.Accepted), Took: took}, nil
}
