// Command features measures how fast Sesame computes everyone's features
// from the SQLite ledger: the full-refresh and training-set workload.
//
//	go run ./bench/features [-db PATH] [-people 1000000] [-seed 42]
//
// When the database does not exist it is first filled with a simulated
// population (package simulate: about 50 events a person over 24 months);
// that takes a while for a million people and is not part of the timing.
//
// The measured path reads the events table in person order, split into
// person ranges read in parallel, and folds each stored payload straight
// into a reused feature.State with State.ApplyJSON (no typed decoding, no
// allocation per event). For comparison it also runs the generic path —
// sesame.EventScanner (typed events) + State.Apply — on the first -compare
// people, and checks that both give identical vectors.
package main

import (
	"bytes"
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
	"syscall"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

func main() {
	dbPath := flag.String("db", "sesame-bench-features.db", "SQLite ledger; filled with a simulated population when it does not exist")
	people := flag.Int("people", 1_000_000, "people to simulate when the database is created")
	seed := flag.Uint64("seed", 42, "simulation seed")
	workers := flag.Int("workers", 2*runtime.GOMAXPROCS(0), "parallel person ranges")
	compare := flag.Int("compare", 20_000, "people to run through the generic EventScanner path for comparison and parity (0: skip)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the measured run to this file")
	mmap := flag.Bool("mmap", false, "read the database through a memory map (more system time on this machine)")
	gogc := flag.Int("gogc", 400, "GC target percentage for the run: a batch job trades memory for fewer collections of the driver's per-row garbage")
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

	if *profile != "" {
		f, err := os.Create(*profile)
		check(err)
		check(pprof.StartCPUProfile(f))
	}
	start := time.Now()
	cpu0 := cpuSeconds()
	res := fastPath(ctx, db, asOf, *workers, *mmap)
	took := time.Since(start)
	if *profile != "" {
		pprof.StopCPUProfile()
	}
	cpu := cpuSeconds() - cpu0
	fmt.Printf("features (ApplyJSON, %d ranges): %d people, %d events in %.1f s = %.0f people/s, %.0f events/s (process CPU %.1f s; %d features each)\n",
		*workers, res.people, res.events, took.Seconds(), float64(res.people)/took.Seconds(), float64(res.events)/took.Seconds(), cpu, feature.Len())
	if res.people >= 1_000_000 {
		verdict := "within"
		if took > 60*time.Second {
			verdict = "OVER"
		}
		fmt.Printf("target: 1,000,000 people in ≤ 60 s: %.1f s (%s)\n", took.Seconds()*1e6/float64(res.people), verdict)
	}
	if *compare > 0 {
		generic(ctx, db, asOf, *compare, res.first)
	}
}

type result struct {
	people, events int64
	first          map[string][]float64 // the vectors of the first people, for the parity check
}

// fastPath reads the ledger in person ranges, one query per range, and
// folds each person's events into a reused State.
func fastPath(ctx context.Context, db *sqlite.DB, asOf time.Time, workers int, mmap bool) result {
	bounds := splitPoints(ctx, db.Reader(), workers)
	var people, events atomic.Int64
	firstMu := sync.Mutex{}
	first := map[string][]float64{}
	var wg sync.WaitGroup
	errs := make(chan error, len(bounds)+1)
	asOfNanos := asOf.UnixNano()
	for k := 0; k <= len(bounds); k++ {
		lo, hi := "", "\U0010FFFF"
		if k > 0 {
			lo = bounds[k-1]
		}
		if k < len(bounds) {
			hi = bounds[k]
		}
		wg.Add(1)
		go func(k int, lo, hi string) {
			defer wg.Done()
			conn, err := db.Reader().Conn(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			// Memory-mapped reads (-mmap) skip a copy of every page out of the OS
			// cache, but cost more system time in page faults on this machine.
			size := 0
			if mmap {
				size = 1 << 36
			}
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA mmap_size = %d", size)); err != nil {
				errs <- err
				return
			}
			// Two columns: the driver allocates per text column, so the text
			// goes as one; occurred_at stays an integer (turning it into text
			// would cost SQLite more than the allocation it saves).
			rows, err := conn.QueryContext(ctx, `SELECT occurred_at, person || char(31) || kind || char(31) || payload
				FROM events WHERE person >= ? AND person < ? ORDER BY person, occurred_at, seq`, lo, hi)
			if err != nil {
				errs <- err
				return
			}
			defer rows.Close()
			s := feature.NewState()
			vec := make([]float64, feature.Len())
			var current []byte
			var line sql.RawBytes
			var occurred int64
			var n, ev int64
			flush := func() {
				if len(current) == 0 {
					return
				}
				vec = s.FeaturesInto(vec, asOf, nil)
				n++
				if k == 0 && n <= 20000 {
					firstMu.Lock()
					first[string(current)] = append([]float64(nil), vec...)
					firstMu.Unlock()
				}
				if n%4096 == 0 {
					people.Add(4096)
				}
			}
			for rows.Next() {
				if err := rows.Scan(&occurred, &line); err != nil {
					errs <- err
					return
				}
				person, kind, payload, ok := splitRow(line)
				if !ok {
					errs <- fmt.Errorf("malformed row %q", line)
					return
				}
				if !bytes.Equal(person, current) {
					flush()
					current = append(current[:0], person...)
					s.Reset()
				}
				ev++
				// Backfilled ledger: recorded_at is the load time, so the
				// as-of cut is on occurred_at alone (dataset build --backfill).
				if occurred >= asOfNanos {
					continue
				}
				if err := s.ApplyJSON(kind, occurred, payload); err != nil {
					errs <- fmt.Errorf("person %s: %w", current, err)
					return
				}
			}
			flush()
			people.Add(n % 4096)
			events.Add(ev)
			errs <- rows.Err()
		}(k, lo, hi)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		check(err)
	}
	return result{people: people.Load(), events: events.Load(), first: first}
}

// splitRow cuts person␟kind␟payload.
func splitRow(line []byte) (person, kind, payload []byte, ok bool) {
	i := bytes.IndexByte(line, 31)
	if i < 0 {
		return
	}
	person, line = line[:i], line[i+1:]
	if i = bytes.IndexByte(line, 31); i < 0 {
		return
	}
	return person, line[:i], line[i+1:], true
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
// compares its vectors with the fast path's.
func generic(ctx context.Context, db *sqlite.DB, asOf time.Time, n int, fast map[string][]float64) {
	s := feature.NewState()
	vec := make([]float64, feature.Len())
	seen, compared, events := 0, 0, 0
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
		vec = s.FeaturesInto(vec, asOf, nil)
		if want, ok := fast[person]; ok {
			compared++
			for j := range vec {
				if !(vec[j] == want[j] || (math.IsNaN(vec[j]) && math.IsNaN(want[j]))) {
					return fmt.Errorf("parity: person %s feature %s: EventScanner+Apply %v, ApplyJSON %v", person, feature.Names()[j], vec[j], want[j])
				}
			}
		}
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
	fmt.Printf("parity: %d people compared, identical vectors on both paths\n", compared)
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

// cpuSeconds is the process's user + system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
