package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/internal/sqliteraw"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// ScanPeople visits every person after `after`, in ascending order, with
// their events recorded before recordedBefore (zero: all), oldest first.
func (s *EventStore) ScanPeople(ctx context.Context, after string, recordedBefore time.Time, fn func(person string, events []sesame.Event) error) error {
	// The inner query finds the chunk's last person through the person index
	// alone; the outer one reads their events in index order.
	const q = `SELECT ` + sqlrow.EventColumns + `
		FROM events
		WHERE person > ?1 AND person <= (
			SELECT max(person) FROM (
				SELECT DISTINCT person FROM events WHERE person > ?1 AND recorded_at < ?2 ORDER BY person LIMIT ?3))
		AND recorded_at < ?2 AND NOT ` + notCountedSQL + `
		ORDER BY person, occurred_at, seq`
	return sqlrow.ScanPeople(ctx, after, recordedBefore, func(after string, rb int64) (sqlrow.Rows, error) {
		return s.db.q().Query(ctx, q, after, rb, sqlrow.ScanChunkPeople)
	}, fn)
}

// The bulk path, for a fold of the whole ledger, reads it in C
// (internal/sqliteraw): about 11 times the rows a second of database/sql.

// RawEvent and RawPerson are the ledger's rows as stored, viewed without
// copying (see feature.RawEvent); a RawBatch is a run of whole people
// whose slices stay valid until it is released; RawScan says which part of
// the ledger ScanRaw reads (MaxSeq 0: to the end as of the start of the
// scan; RecordedBefore 0: every event).
type (
	RawEvent  = feature.RawEvent
	RawPerson = feature.RawPerson
	RawBatch  = sqliteraw.Batch
	RawScan   = sqliteraw.Options
)

const rawScanSQL = `SELECT person, kind, payload, seq, occurred_at, recorded_at, source FROM events
	WHERE person > ?1 AND seq <= ?3 AND recorded_at < ?4 %s %s
	ORDER BY person, occurred_at, seq`

// LedgerEnd returns the ledger's current position: the highest seq (0 when
// empty). Every event with a lower seq is already visible, since appends
// are serialised and commit in seq order.
func (s *EventStore) LedgerEnd(ctx context.Context) (int64, error) {
	var n *int64
	if err := s.db.reader.QueryRowContext(ctx, `SELECT max(seq) FROM events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: ledger end: %w", err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// ScanRaw reads the people of opt's range in ascending order with all their
// events, in batches of whole people, and calls fn with each batch in order
// on the calling goroutine (see sqliteraw.Scan). fn should Release each
// batch when it and its workers are done with it.
func (s *EventStore) ScanRaw(ctx context.Context, opt RawScan, fn func(*RawBatch) error) error {
	if opt.MaxSeq == 0 {
		end, err := s.LedgerEnd(ctx)
		if err != nil {
			return err
		}
		if end == 0 {
			return nil
		}
		opt.MaxSeq = end
	}
	if opt.RecordedBefore == 0 {
		opt.RecordedBefore = 1<<63 - 1
	}
	// Records that stopped counting are rare: the scan pays for leaving
	// them out (a probe of event_disputes per event, about a tenth of its
	// time) only when there are any.
	var anyOut bool
	if err := s.db.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM event_disputes
		WHERE status IN ('corrected', 'deleted', 'suppressed'))`).Scan(&anyOut); err != nil {
		return fmt.Errorf("sqlite: scan: %w", err)
	}
	disputed := ""
	if anyOut {
		disputed = "AND NOT " + notCountedSQL
	}
	bound := ""
	if opt.UpTo != "" {
		bound = "AND person <= ?2"
	}
	return sqliteraw.Scan(ctx, s.db.path, fmt.Sprintf(rawScanSQL, bound, disputed), opt, fn)
}
