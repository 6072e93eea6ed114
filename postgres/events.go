package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// EventStore is the ledger on PostgreSQL; it implements sesame.EventStore
// and sesame.EventScanner. Get it from DB.Events.
type EventStore struct {
	db *DB
}

var (
	_ sesame.EventStore   = (*EventStore)(nil)
	_ sesame.EventScanner = (*EventStore)(nil)
)

// DefaultLimit and MaxLimit bound a page of events.
const (
	DefaultLimit = sqlrow.DefaultLimit
	MaxLimit     = sqlrow.MaxLimit
)

// Append stores a batch in one transaction with two round trips: one
// multi-row INSERT of the batch (as arrays, unnested) that returns the keys
// it stored, and one SELECT of the stored fingerprints of the keys it did
// not, to tell duplicates from conflicts.
func (s *EventStore) Append(ctx context.Context, events []sesame.Event) ([]sesame.AppendResult, error) {
	if len(events) == 0 {
		return nil, nil
	}
	n := len(events)
	var (
		sources, ids, people, kinds = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		occurred                    = make([]int64, 0, n)
		tzs, versions               = make([]int32, 0, n), make([]int32, 0, n)
		payloads                    = make([]string, 0, n)
		erasureKeys                 = make([][]byte, 0, n)
		fps                         = make([][]byte, n)
		firstOf                     = make(map[sesame.EventKey]int, n) // the first event of each key in the batch
		sent                        []int                              // indexes of the events sent to the INSERT
	)
	for i := range events {
		e := &events[i]
		if e.Source == "" || e.ID == "" || e.Person == "" || !e.Kind.Known() || e.Payload == nil || e.OccurredAt.IsZero() {
			return nil, sesame.Errorf(sesame.EINVALID, "event %d is incomplete: validate events before appending them", i)
		}
		p, fp, err := e.Canonical()
		if err != nil {
			return nil, err
		}
		fps[i] = fp[:]
		if _, dup := firstOf[e.Key()]; dup {
			continue // repeated within the batch: settled against the first below
		}
		firstOf[e.Key()] = i
		sent = append(sent, i)
		_, off := e.OccurredAt.Zone()
		sources, ids, people, kinds = append(sources, e.Source), append(ids, e.ID), append(people, e.Person), append(kinds, string(e.Kind))
		occurred, tzs, versions = append(occurred, e.OccurredAt.UnixNano()), append(tzs, int32(off)), append(versions, int32(e.Version))
		payloads = append(payloads, string(p))
		erasureKeys = append(erasureKeys, sesame.ErasureKey(e.Person))
	}
	sentFPs := make([][]byte, len(sent))
	for j, i := range sent {
		sentFPs[j] = fps[i]
	}
	results := make([]sesame.AppendResult, n)
	err := retryTx(ctx, s.db, func(tx pgx.Tx) error {
		// The database's clock, so that replicas agree on recorded_at; the
		// ledger lock held shared lets LedgerEnd and erasures wait for
		// appends in flight (featurestate.go, erase.go), and the INSERT,
		// a statement after it, sees every erasure committed before.
		var now time.Time
		if err := tx.QueryRow(ctx, `SELECT now() FROM (SELECT pg_advisory_xact_lock_shared($1)) AS l`, int64(ledgerLock)).Scan(&now); err != nil {
			return err
		}
		now = now.UTC()
		rows, err := tx.Query(ctx, `INSERT INTO events
			(source, id, person, kind, occurred_at, occurred_tz, recorded_at, version, payload, fingerprint)
			SELECT s, i, p, k, o, z, $10::bigint, v, pl::jsonb, f
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::int[], $8::text[], $9::bytea[], $11::bytea[])
				WITH ORDINALITY AS b(s, i, p, k, o, z, v, pl, f, ek, ord)
			WHERE NOT EXISTS (SELECT 1 FROM erased_people WHERE key = ek)
			ORDER BY ord
			ON CONFLICT (source, id) DO NOTHING
			RETURNING source, id`,
			sources, ids, people, kinds, occurred, tzs, versions, payloads, sentFPs, now.UnixNano(), erasureKeys)
		if err != nil {
			return fmt.Errorf("postgres: insert events: %w", err)
		}
		inserted := map[sesame.EventKey]bool{}
		for rows.Next() {
			var k sesame.EventKey
			if err := rows.Scan(&k.Source, &k.ID); err != nil {
				return err
			}
			inserted[k] = true
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: insert events: %w", err)
		}
		var missSources, missIDs []string
		var missKeys [][]byte
		for j, i := range sent {
			if !inserted[events[i].Key()] {
				missSources, missIDs = append(missSources, events[i].Source), append(missIDs, events[i].ID)
				missKeys = append(missKeys, erasureKeys[j])
			}
		}
		stored := map[sesame.EventKey]sesame.AppendResult{}
		storedFP := map[sesame.EventKey][]byte{}
		if len(missSources) > 0 {
			// What became of each event not inserted: its key's stored
			// fingerprint and time or, its person erased, no fingerprint.
			rows, err := tx.Query(ctx, `SELECT k.s, k.i, e.fingerprint, coalesce(e.recorded_at, 0)
				FROM unnest($1::text[], $2::text[], $3::bytea[]) AS k(s, i, ek)
				LEFT JOIN events e ON e.source = k.s AND e.id = k.i
				WHERE e.source IS NOT NULL OR EXISTS (SELECT 1 FROM erased_people WHERE key = k.ek)`, missSources, missIDs, missKeys)
			if err != nil {
				return fmt.Errorf("postgres: look up events: %w", err)
			}
			for rows.Next() {
				var k sesame.EventKey
				var fp []byte
				var at int64
				if err := rows.Scan(&k.Source, &k.ID, &fp, &at); err != nil {
					return err
				}
				storedFP[k] = fp
				stored[k] = sesame.AppendResult{RecordedAt: time.Unix(0, at).UTC()}
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("postgres: look up events: %w", err)
			}
		}
		for i := range events {
			k := events[i].Key()
			first := firstOf[k]
			var fp []byte
			var at time.Time
			if inserted[k] {
				fp, at = fps[first], now
				if first == i {
					results[i] = sesame.AppendResult{Status: sesame.Accepted, RecordedAt: now}
					continue
				}
			} else {
				r, ok := stored[k]
				if !ok {
					return fmt.Errorf("postgres: event %s/%s neither inserted nor found", k.Source, k.ID)
				}
				if storedFP[k] == nil {
					results[i] = sesame.AppendResult{Status: sesame.Erased}
					continue
				}
				fp, at = storedFP[k], r.RecordedAt
			}
			results[i] = sesame.KeptResult(fp, fps[i], at)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range events {
		if results[i].Status == sesame.Accepted {
			events[i].RecordedAt = results[i].RecordedAt
		}
	}
	return results, nil
}

// maxAttempts bounds retries of a transaction the database aborted to break
// a deadlock: two batches inserting overlapping keys in different orders
// wait on each other's uncommitted keys, and PostgreSQL kills one of them.
const maxAttempts = 10

// retryTx runs fn in a transaction, again when it failed only because of a
// deadlock or a serialisation failure (nothing of it was committed).
func retryTx(ctx context.Context, db *DB, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.Tx(ctx, fn)
		var pe *pgconn.PgError
		if err == nil || attempt == maxAttempts || !errors.As(err, &pe) || (pe.Code != "40P01" && pe.Code != "40001") {
			return err
		}
		select {
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Events returns one page of a person's events, oldest first.
func (s *EventStore) Events(ctx context.Context, f sesame.EventFilter) (sesame.EventPage, error) {
	return sqlrow.Events(ctx, s.db.q(), f, true)
}

// ScanPeople visits every person after `after`, ascending, with their events
// recorded before recordedBefore (zero: all), oldest first.
func (s *EventStore) ScanPeople(ctx context.Context, after string, recordedBefore time.Time, fn func(person string, events []sesame.Event) error) error {
	// COLLATE "C": people are ordered bytewise, as in SQLite, whatever the
	// database's default collation.
	const q = `SELECT ` + sqlrow.EventColumns + `
		FROM events
		WHERE person COLLATE "C" > $1 AND person COLLATE "C" <= (
			SELECT max(person COLLATE "C") FROM (
				SELECT DISTINCT person COLLATE "C" AS person FROM events
				WHERE person COLLATE "C" > $1 AND recorded_at < $2 ORDER BY 1 LIMIT $3) AS chunk)
		AND recorded_at < $2 AND NOT ` + notCountedSQL + `
		ORDER BY person COLLATE "C", occurred_at, seq`
	return sqlrow.ScanPeople(ctx, after, recordedBefore, func(after string, rb int64) (sqlrow.Rows, error) {
		return s.db.q().Query(ctx, q, after, rb, sqlrow.ScanChunkPeople)
	}, fn)
}
