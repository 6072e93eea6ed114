package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqliteraw"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// EventStore is the ledger in SQLite; it implements sesame.EventStore and
// sesame.EventScanner. Get it from DB.Events.
type EventStore struct {
	db *DB
}

var (
	_ sesame.EventStore        = (*EventStore)(nil)
	_ sesame.EventScanner      = (*EventStore)(nil)
	_ sesame.PreparingAppender = (*EventStore)(nil)
)

// insertEventSQL stores an event unless its key is stored or its person
// erased: the check runs inside the append's transaction, which SQLite's
// write lock orders with every erasure's, in this process or another.
const insertEventSQL = `INSERT INTO events
	(source, id, person, kind, occurred_at, occurred_tz, recorded_at, version, payload, fingerprint)
	SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
	WHERE NOT EXISTS (SELECT 1 FROM erased_people WHERE key = ?11)
	ON CONFLICT (source, id) DO NOTHING`

// lookupEventSQL finds what became of an event the insert did not store:
// its key's stored fingerprint and time or, its person erased, no fingerprint.
const lookupEventSQL = `SELECT fingerprint, recorded_at FROM events WHERE source = ?1 AND id = ?2
	UNION ALL SELECT NULL, 0 WHERE EXISTS (SELECT 1 FROM erased_people WHERE key = ?3)
	ORDER BY recorded_at DESC LIMIT 1`

func newEventStore(db *DB) *EventStore { return &EventStore{db: db} }

// row is an event in the form it is stored in.
type row struct {
	payload     []byte
	fingerprint [32]byte
	erasureKey  []byte // the person's sesame.ErasureKey, checked by the insert
}

// Append stores the new events of the batch in one transaction (one fsync).
// The canonical encoding and fingerprints are computed before the write lock
// is taken, so the serialised part is only the inserts.
func (s *EventStore) Append(ctx context.Context, events []sesame.Event) ([]sesame.AppendResult, error) {
	if len(events) == 0 {
		return nil, nil
	}
	rows, err := canonicalRows(events)
	if err != nil {
		return nil, err
	}
	return s.appendRows(ctx, events, rows)
}

// preparedEvents is a batch with its canonical rows (PrepareAppend).
type preparedEvents struct {
	events []sesame.Event
	rows   []row
}

func (p *preparedEvents) Events() []sesame.Event { return p.events }

// PrepareAppend encodes and fingerprints a batch ahead of AppendPrepared
// (sesame.PreparingAppender).
func (s *EventStore) PrepareAppend(events []sesame.Event) (sesame.PreparedEvents, error) {
	rows, err := canonicalRows(events)
	if err != nil {
		return nil, err
	}
	return &preparedEvents{events: events, rows: rows}, nil
}

// AppendPrepared stores a batch that PrepareAppend prepared.
func (s *EventStore) AppendPrepared(ctx context.Context, p sesame.PreparedEvents) ([]sesame.AppendResult, error) {
	pe, ok := p.(*preparedEvents)
	if !ok {
		return nil, fmt.Errorf("sqlite: a batch prepared by another store (%T)", p)
	}
	if len(pe.events) == 0 {
		return nil, nil
	}
	return s.appendRows(ctx, pe.events, pe.rows)
}

func (s *EventStore) appendRows(ctx context.Context, events []sesame.Event, rows []row) ([]sesame.AppendResult, error) {
	results := make([]sesame.AppendResult, len(events))
	if err := s.appendRaw(ctx, events, rows, results); err != nil {
		return nil, err
	}
	for i := range events {
		if results[i].Status == sesame.Accepted {
			events[i].RecordedAt = results[i].RecordedAt
		}
	}
	return results, nil
}

// appendRaw stores the batch through the raw appender (internal/sqliteraw),
// holding the pool's writer connection meanwhile so that no other write of
// this process runs beside it, then looks up the events it did not store:
// duplicate or conflict by their stored fingerprint, or erased.
func (s *EventStore) appendRaw(ctx context.Context, events []sesame.Event, rows []row, results []sesame.AppendResult) error {
	conn, err := s.db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: writer connection: %w", err)
	}
	now := time.Now().UTC()
	raw := make([]sqliteraw.Row, len(events))
	for i := range events {
		e := &events[i]
		_, tz := e.OccurredAt.Zone()
		raw[i] = sqliteraw.Row{Source: e.Source, ID: e.ID, Person: e.Person, Kind: string(e.Kind),
			Occurred: e.OccurredAt.UnixNano(), TZ: int64(tz), Version: int64(e.Version), Payload: rows[i].payload, Fingerprint: rows[i].fingerprint[:],
			ErasureKey: rows[i].erasureKey}
	}
	inserted, err := s.db.appender.Append(raw, now.UnixNano())
	conn.Close()
	if err != nil {
		return fmt.Errorf("sqlite: append: %w", err)
	}
	for i, ok := range inserted {
		if ok {
			results[i] = sesame.AppendResult{Status: sesame.Accepted, RecordedAt: now}
			continue
		}
		var fp []byte
		var at int64
		e := &events[i]
		if err := s.db.reader.QueryRowContext(ctx, lookupEventSQL, e.Source, e.ID, rows[i].erasureKey).Scan(&fp, &at); err != nil {
			return fmt.Errorf("sqlite: look up event %d: %w", i, err)
		}
		if fp == nil {
			results[i] = sesame.AppendResult{Status: sesame.Erased}
			continue
		}
		results[i] = sesame.KeptResult(fp, rows[i].fingerprint[:], time.Unix(0, at).UTC())
	}
	return nil
}

// canonicalRows encodes and fingerprints a batch. On a big batch the work is
// spread over all cores: the single writer is the ingest bottleneck, and
// this is the part of its work that needs no lock.
func canonicalRows(events []sesame.Event) ([]row, error) {
	rows := make([]row, len(events))
	encode := func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			if err := checkStorable(&events[i], i); err != nil {
				return err
			}
			p, fp, err := events[i].Canonical()
			if err != nil {
				return err
			}
			rows[i] = row{payload: p, fingerprint: fp, erasureKey: sesame.ErasureKey(events[i].Person)}
		}
		return nil
	}
	if err := inRanges(len(events), encode); err != nil {
		return nil, err
	}
	return rows, nil
}

// checkStorable refuses events a store cannot represent faithfully. It is a
// guard against programming errors (callers validate with DecodeEvent or
// Event.Validate), not a substitute for validation.
func checkStorable(e *sesame.Event, i int) error {
	if e.Source == "" || e.ID == "" || e.Person == "" || !e.Kind.Known() || e.Payload == nil || e.OccurredAt.IsZero() {
		return sesame.Errorf(sesame.EINVALID, "event %d is incomplete: validate events before appending them", i)
	}
	return nil
}

// DefaultLimit and MaxLimit bound a page of events.
const (
	DefaultLimit = sqlrow.DefaultLimit
	MaxLimit     = sqlrow.MaxLimit
)

// Events returns one page of a person's events, oldest first.
func (s *EventStore) Events(ctx context.Context, f sesame.EventFilter) (sesame.EventPage, error) {
	return sqlrow.Events(ctx, s.db.q(), f, false)
}
