// Command features measures how fast Sesame computes everyone's features
// from the SQLite ledger: the full-refresh and training-set workload.
//
//	go run ./bench/features [-db PATH] [-people 1000000] [-seed 42]
//
// When the database does not exist it is first filled with a simulated
// population (package simulate: about 50 events a person over 24 months);
// that takes a while for a million people and is not part of the timing.
//
// The measured path reads the events table in person order with sqlite's
// EventStore.ScanRaw, split into person ranges read in parallel (each range
// steps SQLite on its own goroutine and hands over whole buffers of rows,
// read in place), and folds each stored payload straight into a reused
// feature.State with State.ApplyJSON on worker goroutines (no typed
// decoding, no copy and no allocation per event). Before it, the generic
// path — sesame.EventScanner (typed events) + State.Apply — runs on the
// first -compare people, and the measured run checks that it gives them
// identical vectors.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/bench/internal/proc"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

func main() {
	dbPath := flag.String("db", "sesame-bench-features.db", "SQLite ledger; filled with a simulated population when it does not exist")
	people := flag.Int("people", 1_000_000, "people to simulate when the database is created")
	seed := flag.Uint64("seed", 42, "simulation seed")
	ranges := flag.Int("ranges", runtime.GOMAXPROCS(0), "person ranges scanned in parallel, each on its own goroutine")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "goroutines folding the scanned people")
	scanOnly := flag.Bool("scanonly", false, "only read the ledger (no folding): what the read alone costs")
	compare := flag.Int("compare", 20_000, "people to run through the generic EventScanner path for comparison and parity (0: skip)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the measured run to this file")
	gogc := flag.Int("gogc", 400, "GC target percentage for the run (the fold allocates only for new ids; this matters little now)")
	flag.Parse()
	debug.SetGCPercent(*gogc)
	ctx := context.Background()
	_, statErr := os.Stat(*dbPath)
	db, err := sqlite.Open(ctx, *dbPath)
	check(err)
	defer db.Close()
	if errors.Is(statErr, os.ErrNotExist) {
		fill(ctx, db, *people, *seed)
	}
	asOf := simulate.DefaultEnd

	var nEvents int64
	check(db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&nEvents))
	fmt.Printf("ledger: %s, %d events\n", *dbPath, nEvents)

	// The generic path runs first: its vectors are what the measured run
	// must reproduce, person by person.
	var want map[string][]float64
	if *compare > 0 {
		want = generic(ctx, db, asOf, *compare)
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		check(err)
		check(pprof.StartCPUProfile(f))
	}
	start := time.Now()
	cpu0 := proc.CPUTime().Seconds()
	res := fastPath(ctx, db, asOf, *ranges, *workers, *scanOnly, want)
	took := time.Since(start)
	if *profile != "" {
		pprof.StopCPUProfile()
	}
	cpu := proc.CPUTime().Seconds() - cpu0
	what := "features (ScanRaw + ApplyJSON"
	if *scanOnly {
		what = "scan only (ScanRaw, no folding"
	}
	fmt.Printf("%s, %d ranges, %d workers): %d people, %d events in %.1f s = %.0f people/s, %.0f events/s (process CPU %.1f s; %d features each)\n",
		what, *ranges, *workers, res.people, res.events, took.Seconds(), float64(res.people)/took.Seconds(), float64(res.events)/took.Seconds(), cpu, feature.Len())
	if res.people >= 1_000_000 {
		verdict := "within"
		if took > 60*time.Second {
			verdict = "OVER"
		}
		fmt.Printf("target: 1,000,000 people in ≤ 60 s: %.1f s (%s)\n", took.Seconds()*1e6/float64(res.people), verdict)
	}
	if want != nil {
		fmt.Printf("parity: %d people compared, identical vectors on both paths\n", res.compared)
	}
}

type result struct {
	people, events int64
	compared       int64 // people checked against the generic path's vectors
}

// fastPath reads the ledger with sqlite's ScanRaw — one scan per person
// range, each stepping SQLite on its own goroutine and handing over whole
// buffers of rows read in place — and folds each person's stored payloads
// into a reused State on `workers` goroutines. With scanOnly it reads and
// discards, to show what the read alone costs.
func fastPath(ctx context.Context, db *sqlite.DB, asOf time.Time, ranges, workers int, scanOnly bool, want map[string][]float64) result {
	bounds := splitPoints(ctx, db.Reader(), ranges)
	end, err := db.Events().LedgerEnd(ctx)
	check(err)
	var people, events, compared atomic.Int64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *sqlite.RawBatch, 2*workers)
	errs := make(chan error, len(bounds)+1+workers)
	var scans sync.WaitGroup
	for k := 0; k <= len(bounds); k++ {
		opt := sqlite.RawScan{MaxSeq: end}
		if k > 0 {
			opt.After = bounds[k-1]
		}
		if k < len(bounds) {
			opt.UpTo = bounds[k]
		}
		scans.Add(1)
		go func() {
			defer scans.Done()
			errs <- db.Events().ScanRaw(ctx, opt, func(b *sqlite.RawBatch) error {
				select {
				case work <- b:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		}()
	}
	go func() { scans.Wait(); close(work) }()
	var folds sync.WaitGroup
	asOfNanos := asOf.UnixNano()
	for w := 0; w < workers; w++ {
		folds.Add(1)
		go func() {
			defer folds.Done()
			s := feature.NewState()
			vec := make([]float64, feature.Len())
			var n, ev, cmp int64
			defer func() { people.Add(n); events.Add(ev); compared.Add(cmp) }()
			for b := range work {
				for i := range b.People {
					p := &b.People[i]
					n++
					ev += int64(len(p.Events))
					if scanOnly {
						continue
					}
					s.Reset()
					for j := range p.Events {
						e := &p.Events[j]
						// Backfilled ledger: recorded_at is the load time, so the
						// as-of cut is on occurred_at alone (dataset build --backfill).
						if e.OccurredAt >= asOfNanos {
							continue
						}
						if err := s.ApplyJSON(e.Source, e.Kind, e.OccurredAt, e.Payload); err != nil {
							errs <- fmt.Errorf("person %s: %w", p.Person, err)
							cancel()
							return
						}
					}
					vec = s.FeaturesInto(vec, asOf, nil, nil)
					if w, ok := want[string(p.Person)]; ok {
						cmp++
						if err := same(vec, w); err != nil {
							errs <- fmt.Errorf("parity: person %s: %w", p.Person, err)
							cancel()
							return
						}
					}
				}
				b.Release()
			}
		}()
	}
	folds.Wait()
	close(errs)
	for err := range errs {
		check(err)
	}
	return result{people: people.Load(), events: events.Load(), compared: compared.Load()}
}

func same(got, want []float64) error {
	for j := range got {
		if !(got[j] == want[j] || (math.IsNaN(got[j]) && math.IsNaN(want[j]))) {
			return fmt.Errorf("feature %s: ApplyJSON %v, EventScanner+Apply %v", feature.Names()[j], got[j], want[j])
		}
	}
	return nil
}

// splitPoints picks person ids that cut the ledger into about n ranges of
// similar size, from the rows at evenly spaced ledger sequence numbers.
func splitPoints(ctx context.Context, r *sql.DB, n int) []string {
	var maxSeq sql.NullInt64
	check(r.QueryRowContext(ctx, `SELECT max(seq) FROM events`).Scan(&maxSeq))
	var pts []string
	for k := 1; k < n && maxSeq.Valid; k++ {
		var p string
		err := r.QueryRowContext(ctx, `SELECT person FROM events WHERE seq >= ? ORDER BY seq LIMIT 1`, maxSeq.Int64*int64(k)/int64(n)).Scan(&p)
		if err == nil {
			pts = append(pts, p)
		}
	}
	sort.Strings(pts)
	out := pts[:0]
	for i, p := range pts {
		if i == 0 || p != pts[i-1] {
			out = append(out, p)
		}
	}
	return out
}

var errEnough = errors.New("enough")

// generic runs the EventScanner + Apply path over the first n people and
// returns their vectors.
func generic(ctx context.Context, db *sqlite.DB, asOf time.Time, n int) map[string][]float64 {
	out := make(map[string][]float64, n)
	s := feature.NewState()
	vec := make([]float64, feature.Len())
	seen, events := 0, 0
	start := time.Now()
	err := db.Events().ScanPeople(ctx, "", time.Time{}, func(person string, evs []sesame.Event) error {
		s.Reset()
		for i := range evs {
			evs[i].RecordedAt = time.Time{} // backfilled, as in the fast path
			if feature.Visible(&evs[i], asOf) {
				s.Apply(&evs[i])
			}
		}
		events += len(evs)
		vec = s.FeaturesInto(vec, asOf, nil, nil)
		out[person] = append([]float64(nil), vec...)
		seen++
		if seen >= n {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		check(err)
	}
	took := time.Since(start)
	fmt.Printf("generic path (EventScanner + typed Apply, one scan): %d people, %d events in %.1f s = %.0f people/s\n",
		seen, events, took.Seconds(), float64(seen)/took.Seconds())
	return out
}

// fill simulates a population into the ledger in big batches.
func fill(ctx context.Context, db *sqlite.DB, people int, seed uint64) {
	fmt.Fprintf(os.Stderr, "filling the ledger with %d simulated people (seed %d); not timed\n", people, seed)
	start := time.Now()
	g := simulate.New(simulate.Options{Seed: seed})
	batch := make([]sesame.Event, 0, 60_000)
	for i := 0; i < people; i++ {
		batch = append(batch, g.Person(i)...)
		if len(batch) >= 50_000 || i == people-1 {
			_, err := db.Events().Append(ctx, batch)
			check(err)
			batch = batch[:0]
		}
		if (i+1)%100_000 == 0 {
			fmt.Fprintf(os.Stderr, "  %d people (%.0f/s)\n", i+1, float64(i+1)/time.Since(start).Seconds())
		}
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/features:", err)
		os.Exit(1)
	}
}
