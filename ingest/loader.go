package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/sesame-credit/sesame"
)

// DefaultBatch is how many events the Loader appends per transaction. Each
// commit writes every index page the batch touched to the WAL, and a
// person's index takes inserts all over, so small batches rewrite the same
// pages again and again: on a million events, 50,000 per batch loaded 40%
// faster than 5,000. The price is memory — about 100 MB with the batch
// being stored and the next being decoded — and a longer wait between
// durable points, which a file load does not mind.
const DefaultBatch = 50_000

// Loader reads a decoder to its end and appends the events to a store in
// batches. Decoding runs on its own goroutine, one batch ahead of the store,
// so reading and writing overlap. A Loader may be used for several inputs in
// turn (its counts add up) but not for two at once.
type Loader struct {
	Store sesame.EventStore
	// Batch is the number of events per Append (default DefaultBatch).
	Batch int
	// Rejects, when set, receives one JSON line per rejected or conflicting
	// record: {"file","line","status","error":{...},"record"}.
	Rejects io.Writer
	// File names the input in reject lines.
	File string
	// OnBatch, when set, is called after each batch is durably stored.
	OnBatch func(BatchReport)

	stats     counters
	rejectsMu sync.Mutex
}

// Stats are a load's counts so far.
type Stats struct {
	Records    int64 `json:"records"`
	Accepted   int64 `json:"accepted"`
	Duplicates int64 `json:"duplicates"`
	Conflicts  int64 `json:"conflicts"`
	Rejected   int64 `json:"rejected"`
	Erased     int64 `json:"erased"` // events of erased people, refused (sesame.Erased)
}

// BatchReport describes one stored batch.
type BatchReport struct {
	FirstLine, LastLine int // the input positions of its first and last event
	Events              int
	Stats               Stats // totals after the batch
}

type counters struct {
	records, accepted, duplicates, conflicts, rejected, erased atomic.Int64
}

// Stats returns the counts so far; safe to call while Load runs.
func (l *Loader) Stats() Stats {
	return Stats{Records: l.stats.records.Load(), Accepted: l.stats.accepted.Load(), Duplicates: l.stats.duplicates.Load(),
		Conflicts: l.stats.conflicts.Load(), Rejected: l.stats.rejected.Load(), Erased: l.stats.erased.Load()}
}

// rawPerRecord is the room reserved per record for its raw bytes: an
// event's JSON line is typically 150–300 bytes.
const rawPerRecord = 256

// batch is a run of decoded events with their positions and raw records;
// the raw bytes share one buffer so that a batch costs a few allocations.
type batch struct {
	events []sesame.Event
	lines  []int
	ends   []int // raw record i is raw[ends[i-1]:ends[i]]
	raw    []byte
	// prepared (or prepErr) is the batch made ready by the store while
	// the one before it was written (sesame.PreparingAppender).
	prepared sesame.PreparedEvents
	prepErr  error
}

func (b *batch) record(i int) []byte {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.raw[start:b.ends[i]]
}

// Load reads dec to its end and stores its events. It returns the first
// error that stops it (reading, storing or writing rejects); rejected and
// conflicting records are counted and reported, not errors.
func (l *Loader) Load(ctx context.Context, dec Decoder) (Stats, error) {
	size := l.Batch
	if size <= 0 {
		size = DefaultBatch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *batch, 1) // decoded, waiting for the store
	free := make(chan *batch, 2) // stored, ready for reuse
	readErr := make(chan error, 1)
	go func() {
		defer close(full)
		readErr <- l.read(ctx, dec, size, full, free)
	}()
	var storeErr error
	for b := range full {
		if storeErr == nil {
			if storeErr = l.store(ctx, b); storeErr != nil {
				cancel() // stop the reader; drain what it already sent
			}
		}
		select {
		case free <- b:
		default:
		}
	}
	if err := <-readErr; err != nil && storeErr == nil && !errors.Is(err, context.Canceled) {
		return l.Stats(), err
	}
	if storeErr == nil {
		storeErr = ctx.Err()
	}
	return l.Stats(), storeErr
}

// read decodes records into batches and sends the full ones.
func (l *Loader) read(ctx context.Context, dec Decoder, size int, full, free chan *batch) error {
	next := func() *batch {
		select {
		case b := <-free:
			b.events, b.lines, b.ends, b.raw = b.events[:0], b.lines[:0], b.ends[:0], b.raw[:0]
			b.prepared, b.prepErr = nil, nil
			return b
		default:
			// The raw buffer is sized for typical records up front: grown
			// append by append it cost an eighth of a load's CPU in copying.
			return &batch{events: make([]sesame.Event, 0, size), lines: make([]int, 0, size), ends: make([]int, 0, size),
				raw: make([]byte, 0, size*rawPerRecord)}
		}
	}
	b := next()
	var inputErr error
	for {
		rec, err := dec.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			// The input cannot be read on; what was decoded before the break
			// is still stored, as the reject report will say.
			inputErr = err
			break
		}
		l.stats.records.Add(1)
		if rec.Err != nil {
			l.stats.rejected.Add(1)
			if err := l.reject(rec.Line, sesame.Rejected, rec.Err, rec.Raw); err != nil {
				return err
			}
			continue
		}
		b.events = append(b.events, rec.Event)
		b.lines = append(b.lines, rec.Line)
		b.raw = append(b.raw, rec.Raw...)
		b.ends = append(b.ends, len(b.raw))
		if len(b.events) == size {
			l.prepare(b)
			select {
			case full <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			b = next()
		}
	}
	if len(b.events) > 0 {
		l.prepare(b)
		select {
		case full <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return inputErr
}

// prepare lets a store that can prepare batches do so on the reading
// goroutine, beside the writing of the batch before.
func (l *Loader) prepare(b *batch) {
	if pa, ok := l.Store.(sesame.PreparingAppender); ok {
		b.prepared, b.prepErr = pa.PrepareAppend(b.events)
	}
}

// store appends one batch and counts the outcome.
func (l *Loader) store(ctx context.Context, b *batch) error {
	var res []sesame.AppendResult
	var err error
	switch {
	case b.prepErr != nil:
		err = b.prepErr
	case b.prepared != nil:
		res, err = l.Store.(sesame.PreparingAppender).AppendPrepared(ctx, b.prepared)
	default:
		res, err = l.Store.Append(ctx, b.events)
	}
	if err != nil {
		return fmt.Errorf("storing events of lines %d–%d: %w", b.lines[0], b.lines[len(b.lines)-1], err)
	}
	for i, r := range res {
		switch r.Status {
		case sesame.Accepted:
			l.stats.accepted.Add(1)
		case sesame.Duplicate:
			l.stats.duplicates.Add(1)
		case sesame.Conflict:
			l.stats.conflicts.Add(1)
			e := b.events[i]
			cerr := sesame.Errorf(sesame.ECONFLICT, "source %q already stored id %q with a different body; send a new id for a new fact", e.Source, e.ID)
			if err := l.reject(b.lines[i], sesame.Conflict, cerr, b.record(i)); err != nil {
				return err
			}
		case sesame.Erased:
			l.stats.erased.Add(1)
			eerr := sesame.Errorf(sesame.ECONFLICT, "the person of this event was erased; events for them are not stored")
			if err := l.reject(b.lines[i], sesame.Erased, eerr, b.record(i)); err != nil {
				return err
			}
		}
	}
	if l.OnBatch != nil {
		l.OnBatch(BatchReport{FirstLine: b.lines[0], LastLine: b.lines[len(b.lines)-1], Events: len(b.events), Stats: l.Stats()})
	}
	return nil
}

// rejectLine is one line of a reject file.
type rejectLine struct {
	File   string              `json:"file,omitempty"`
	Line   int                 `json:"line"`
	Status sesame.AppendStatus `json:"status"`
	Error  *sesame.Error       `json:"error"`
	Record string              `json:"record"`
}

func (l *Loader) reject(line int, status sesame.AppendStatus, err error, raw []byte) error {
	if l.Rejects == nil {
		return nil
	}
	var se *sesame.Error
	if !errors.As(err, &se) {
		se = &sesame.Error{Code: sesame.EINTERNAL, Message: err.Error()}
	}
	out, merr := json.Marshal(rejectLine{File: l.File, Line: line, Status: status, Error: se, Record: string(raw)})
	if merr != nil {
		return merr
	}
	l.rejectsMu.Lock()
	defer l.rejectsMu.Unlock()
	if _, werr := l.Rejects.Write(append(out, '\n')); werr != nil {
		return fmt.Errorf("writing the reject file: %w", werr)
	}
	return nil
}
