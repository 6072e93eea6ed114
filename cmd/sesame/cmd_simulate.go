package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/simulate"
)

func init() {
	register(&command{name: "simulate", summary: "generate a synthetic population's event histories (NDJSON or straight into the ledger)", run: runSimulate})
}

func runSimulate(ctx context.Context, args []string) error {
	fs := newFlags("simulate", "--people N --seed S [--months 24] [--out FILE.ndjson | --db PATH]")
	people := fs.Int("people", 1000, "how many people")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same events")
	months := fs.Int("months", 24, "months of history per person")
	end := fs.String("end", simulate.DefaultEnd.Format("2006-01-02"), "histories end before this date")
	out := fs.String("out", "", "write NDJSON events to this file (- for stdout) instead of the database")
	db := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *people < 0 || *months < 1 || *months > 600 {
		fmt.Fprintln(os.Stderr, "--people must be ≥ 0 and --months between 1 and 600")
		return errUsage
	}
	endT, err := parseDate(*end)
	if err != nil {
		return err
	}
	opt := simulate.Options{Seed: *seed, Months: *months, End: endT}
	var sink func(events []sesame.Event) error
	var finish func() error
	var st *store
	started := time.Now()
	if *out != "" {
		var w io.Writer = os.Stdout
		if *out != "-" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		enc := json.NewEncoder(bw)
		sink = func(events []sesame.Event) error {
			for i := range events {
				if err := enc.Encode(&events[i]); err != nil {
					return err
				}
			}
			return nil
		}
		finish = bw.Flush
	} else {
		if st, err = createStore(ctx, *db); err != nil {
			return err
		}
		defer st.Close()
		app := newEventAppender(ctx, st.Events, "simulate")
		app.progress = nil
		sink = func(events []sesame.Event) error {
			app.batch = append(app.batch, events...)
			if len(app.batch) >= 20000 {
				return app.flush()
			}
			return nil
		}
		finish = app.flush
	}
	prog := newCountProgress("simulate", "people", int64(*people))
	total, err := generatePeople(ctx, opt, *people, sink, prog.set)
	if err == nil {
		err = finish()
	}
	prog.finish()
	if err != nil {
		return err
	}
	if st != nil {
		// The histories are whole up to the end: say so, so that a statement
		// due after it is not taken for unpaid when scored later.
		if _, err := st.Watermarks().SetWatermark(ctx, "simulate", endT); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(os.Stderr, "load it with: sesame ingest --complete-to simulate=%s %s\n", endT.Format(time.RFC3339), *out)
	}
	took := time.Since(started)
	dest := *out
	if dest == "" {
		dest = *db
	}
	fmt.Fprintf(os.Stderr, "simulate: %d people, %d events (%.1f a person) in %s → %s\n", *people, total, float64(total)/float64(max(*people, 1)), took.Round(time.Millisecond), dest)
	fmt.Fprintf(os.Stderr, "train on it: sesame dataset build --db DB --backfill --as-of %s --horizon 12m --out train.csv\n", endT.AddDate(0, -12, 0).Format("2006-01-02"))
	return nil
}

// generatePeople makes people on every CPU, in chunks, and hands their
// events to sink in person order from one goroutine, so the output is the
// same for a seed however many CPUs there are.
func generatePeople(ctx context.Context, opt simulate.Options, people int, sink func([]sesame.Event) error, progress func(int)) (int, error) {
	const chunk = 512
	workers := runtime.GOMAXPROCS(0)
	type chunkJob struct {
		lo, hi int
		events []sesame.Event
		ready  chan struct{}
	}
	inOrder := make(chan *chunkJob, workers*4)
	work := make(chan *chunkJob, workers*4)
	go func() {
		defer close(inOrder)
		defer close(work)
		for lo := 0; lo < people && ctx.Err() == nil; lo += chunk {
			j := &chunkJob{lo: lo, hi: min(lo+chunk, people), ready: make(chan struct{})}
			inOrder <- j
			work <- j
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := simulate.New(opt)
			for j := range work {
				var evs []sesame.Event
				for i := j.lo; i < j.hi; i++ {
					evs = append(evs, g.Person(i)...)
				}
				j.events = evs
				close(j.ready)
			}
		}()
	}
	total := 0
	var err error
	for j := range inOrder {
		<-j.ready
		if err == nil {
			err = sink(j.events)
		}
		total += len(j.events)
		progress(j.hi)
	}
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return total, err
}
