package feature

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/sesame-credit/sesame"
)

// DatasetOptions configure a training-set build.
type DatasetOptions struct {
	AsOf       time.Time // features use events visible before it
	End        time.Time // the label window is [AsOf, End)
	Outcome    Outcome
	MinHistory time.Duration // people whose first event is less than this before AsOf are excluded
	// Protected names the protected attributes (IdentityReported.Protected
	// keys, e.g. "sex") to export as protected_<key> columns for fairness
	// measurement. They are never features: train with --protected.
	Protected []string
	// Backfilled says the ledger was loaded after the fact (imports of
	// historical data, simulations): its recorded_at times say when it was
	// loaded, not when each fact became known, so each event is taken as
	// recorded when it occurred. Live ledgers leave it false.
	Backfilled bool
	// Coverage says how far each source's data is complete and how long
	// negative records count; the build refuses a label window that ends
	// after a source's watermark (see CheckWindow). nil: every source
	// complete, default retention.
	Coverage *Coverage
	Workers  int              // 0: GOMAXPROCS
	Progress func(people int) // called now and then with the people seen so far; may be nil
}

// DatasetStats counts what a build did with each person.
type DatasetStats struct {
	People           int // people scanned
	Rows             int // rows written
	Bad              int // rows labelled bad
	NoHistory        int // excluded: no events before the as-of time
	TooLittleHistory int // excluded: first event less than MinHistory before the as-of time
	AlreadyBad       int // excluded: the outcome had already happened before the as-of time
}

// datasetBatch is how many people travel together from the scan to the
// workers: enough to amortise the hand-off, small enough to keep memory flat.
const datasetBatch = 1024

// personEvents is one person's events, typed (events) or raw (raw).
type personEvents struct {
	person string
	events []sesame.Event
	raw    []RawEvent
}

// datasetChunk is a batch of people travelling from the scan to the
// workers; release, when set, hands the scan's buffers back once the
// batch's rows are built.
type datasetChunk struct {
	people  []personEvents
	release func()
}

// BuildDataset scans the ledger (events recorded before End), and writes one
// CSV row per eligible person: person, the features as of AsOf, bad, then
// the protected columns. Missing features are empty cells. Rows come in
// person order. The scan, the feature workers and the writer overlap, so the
// build runs at the speed of the slowest of them.
func BuildDataset(ctx context.Context, sc sesame.EventScanner, w io.Writer, opt DatasetOptions) (DatasetStats, error) {
	recordedBefore := opt.End
	if opt.Backfilled {
		recordedBefore = time.Time{}
	}
	return buildDataset(ctx, w, opt, func(ctx context.Context, emit func(datasetChunk) error) error {
		batch := make([]personEvents, 0, datasetBatch)
		err := sc.ScanPeople(ctx, "", recordedBefore, func(person string, events []sesame.Event) error {
			// The scanner may reuse its slice: keep a copy (payloads are
			// immutable and shared).
			cp := append([]sesame.Event(nil), events...)
			if opt.Backfilled {
				for i := range cp {
					cp[i].RecordedAt = time.Time{}
				}
			}
			batch = append(batch, personEvents{person: person, events: cp})
			if len(batch) == datasetBatch {
				err := emit(datasetChunk{people: batch})
				batch = make([]personEvents, 0, datasetBatch)
				return err
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = emit(datasetChunk{people: batch})
		}
		return err
	})
}

// buildDataset writes the header, then the rows of the people feed emits,
// built on workers while feed scans on.
func buildDataset(ctx context.Context, w io.Writer, opt DatasetOptions, feed func(ctx context.Context, emit func(datasetChunk) error) error) (DatasetStats, error) {
	var st DatasetStats
	if opt.AsOf.IsZero() || !opt.End.After(opt.AsOf) {
		return st, errors.New("dataset: the label window must end after the as-of time")
	}
	if err := opt.Coverage.CheckWindow(opt.AsOf, opt.End); err != nil {
		return st, fmt.Errorf("dataset: %w", err)
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	header := []byte("person")
	for _, n := range names {
		header = append(append(header, ','), n...)
	}
	header = append(header, ",bad"...)
	for _, p := range opt.Protected {
		header = append(append(header, ",protected_"...), p...)
	}
	header = append(header, '\n')
	if _, err := w.Write(header); err != nil {
		return st, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan datasetChunk, 2)
	done := make(chan error, 1)
	go func() {
		err := writeBatches(chunks, w, opt, workers, &st)
		if err != nil {
			cancel() // stop the scan
		}
		done <- err
	}()
	scanErr := feed(ctx, func(c datasetChunk) error {
		select {
		case chunks <- c:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(chunks)
	writeErr := <-done
	if writeErr != nil {
		return st, writeErr
	}
	return st, scanErr
}

// rowResult is one person's formatted row, or why they were excluded.
type rowResult struct {
	row                                []byte
	noHistory, tooLittle, already, bad bool
	err                                error // the person's events could not be read
}

// writeBatches computes each batch's rows on workers (each with its own
// States) and writes them in order.
func writeBatches(chunks <-chan datasetChunk, w io.Writer, opt DatasetOptions, workers int, st *DatasetStats) error {
	type worker struct {
		s, l *State
		vec  []float64
	}
	ws := make([]worker, workers)
	for i := range ws {
		ws[i] = worker{s: NewState(), l: NewState(), vec: make([]float64, numFeatures)}
	}
	results := make([]rowResult, datasetBatch)
	var failed error
	for chunk := range chunks {
		batch := chunk.people
		if failed != nil {
			if chunk.release != nil {
				chunk.release()
			}
			continue // drain so the scanner is not blocked
		}
		for len(results) < len(batch) {
			results = append(results, rowResult{})
		}
		var wg sync.WaitGroup
		per := (len(batch) + workers - 1) / workers
		for k := 0; k < workers; k++ {
			lo, hi := k*per, min((k+1)*per, len(batch))
			if lo >= hi {
				break
			}
			wg.Add(1)
			go func(wk *worker, lo, hi int) {
				defer wg.Done()
				for i := lo; i < hi; i++ {
					if batch[i].raw != nil {
						results[i] = buildRowRaw(wk.s, wk.l, wk.vec, results[i].row[:0], &batch[i], opt)
					} else {
						results[i] = buildRow(wk.s, wk.l, wk.vec, results[i].row[:0], &batch[i], opt)
					}
				}
			}(&ws[k], lo, hi)
		}
		wg.Wait()
		if chunk.release != nil {
			chunk.release() // the rows are built: the scan's buffers are free
		}
		for i := range batch {
			r := &results[i]
			st.People++
			switch {
			case r.err != nil:
				failed = fmt.Errorf("dataset: person %s: %w", batch[i].person, r.err)
			case r.noHistory:
				st.NoHistory++
			case r.tooLittle:
				st.TooLittleHistory++
			case r.already:
				st.AlreadyBad++
			default:
				st.Rows++
				if r.bad {
					st.Bad++
				}
				if _, err := w.Write(r.row); err != nil {
					failed = err
				}
			}
		}
		if opt.Progress != nil {
			opt.Progress(st.People)
		}
	}
	return failed
}

func buildRow(s, l *State, vec []float64, buf []byte, pe *personEvents, opt DatasetOptions) rowResult {
	r := rowResult{row: buf}
	s.Reset()
	s.ApplyVisible(pe.events, opt.AsOf)
	if s.events == 0 { // no label needed
		r.noHistory = true
		return r
	}
	bad, already := opt.Outcome.Label(l, pe.events, opt.AsOf, opt.End)
	return finishRow(r, s, vec, pe.person, bad, already, opt, func(key string) string { return protectedValue(pe.events, key, opt.AsOf) })
}

// finishRow excludes or formats a person's row from their folded state s
// and label; typed and raw builds share it.
func finishRow(r rowResult, s *State, vec []float64, person string, bad, already bool, opt DatasetOptions, protected func(key string) string) rowResult {
	if s.events == 0 {
		r.noHistory = true
		return r
	}
	if opt.MinHistory > 0 && opt.AsOf.Unix()-s.first < int64(opt.MinHistory/time.Second) {
		r.tooLittle = true
		return r
	}
	if already {
		r.already = true
		return r
	}
	r.bad = bad
	v := s.FeaturesInto(vec, opt.AsOf, nil, opt.Coverage)
	b := append(r.row, person...)
	for _, x := range v {
		b = append(b, ',')
		if x == x {
			b = strconv.AppendFloat(b, x, 'g', 10, 64)
		}
	}
	if bad {
		b = append(b, ",1"...)
	} else {
		b = append(b, ",0"...)
	}
	for _, key := range opt.Protected {
		b = append(b, ',')
		b = appendCSV(b, protected(key))
	}
	r.row = append(b, '\n')
	return r
}

// protectedValue is the latest value of a protected attribute reported
// before asOf. It is read here, for the fairness columns, and nowhere in
// the features.
func protectedValue(events []sesame.Event, key string, asOf time.Time) string {
	v := ""
	for i := range events {
		e := &events[i]
		if e.Kind != sesame.KindIdentityReported || !Visible(e, asOf) {
			continue
		}
		if p, ok := e.Payload.(*sesame.IdentityReported); ok {
			if x, ok := p.Protected[key]; ok {
				v = x
			}
		}
	}
	return v
}

// appendCSV appends s as one CSV cell, quoted when it needs to be.
func appendCSV(b []byte, s string) []byte {
	needs := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			needs = true
			break
		}
	}
	if !needs {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
