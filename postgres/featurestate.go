package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// FeatureStateStore keeps each person's folded feature state (a
// feature.Snapshot a person) next to the ledger, as package sqlite's does:
// a full rescore reads one row a person instead of refolding every event,
// and rescoring after an event folds only the events since. The score
// service writes and reads it; the ledger stays the truth. Get it from
// DB.FeatureStates. It implements score.StateStore.
type FeatureStateStore struct{ db *DB }

// FeatureStates returns the feature-state store of the database.
func (db *DB) FeatureStates() *FeatureStateStore { return &FeatureStateStore{db: db} }

// rawScanRows bounds the rows of one ScanEvents query: about 2,000 people
// of a simulated ledger, whole people only. A variable for the tests, which
// make batches end mid-person.
var rawScanRows = 100_000

// lockLedgerSharedSQL takes the ledger lock shared until the transaction
// ends: appends and saves of what is derived from the ledger hold it, so
// that an erasure, which takes it whole, is ordered with them.
const lockLedgerSharedSQL = `SELECT pg_advisory_xact_lock_shared($1)`

// ledgerLock is the advisory lock appends hold shared and LedgerEnd takes
// exclusively ("sesame.ledger").
const ledgerLock = 0x5e5a_6e1e_d6e5

// LedgerEnd is the ledger's position up to which every event is committed.
// Concurrent appends take seqs in one order and may commit in another, so
// the highest visible seq alone could be passed over by an event that
// commits later with a lower one (and a snapshot claiming it would miss
// it): LedgerEnd first waits for the appends in flight, which hold the
// ledger lock shared, to end.
func (s *FeatureStateStore) LedgerEnd(ctx context.Context) (int64, error) {
	var end int64
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(ledgerLock)); err != nil {
			return err
		}
		// A statement of its own: read committed takes its snapshot after
		// the lock was granted.
		return tx.QueryRow(ctx, `SELECT COALESCE(max(seq), 0) FROM events`).Scan(&end)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: ledger end: %w", err)
	}
	return end, nil
}

// Coverage returns the snapshot version and ledger position up to which the
// table is complete (see 040_feature_state.sql); ok is false when no full
// build has completed yet.
func (s *FeatureStateStore) Coverage(ctx context.Context) (version int, through int64, ok bool, err error) {
	version, through, ok, err = sqlrow.Coverage(ctx, s.db.q())
	if err != nil {
		err = fmt.Errorf("postgres: feature state coverage: %w", err)
	}
	return version, through, ok, err
}

// SaveCoverage records that every person with events up to through has a
// snapshot of version covering them.
func (s *FeatureStateStore) SaveCoverage(ctx context.Context, version int, through int64) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO feature_state_coverage (id, version, through, at) VALUES (1, $1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET version = excluded.version, through = excluded.through, at = excluded.at`,
		version, through, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("postgres: save feature state coverage: %w", err)
	}
	return nil
}

// SaveStates stores snapshots in one statement. A stored snapshot that
// covers more of the ledger (a higher seq, same version) is kept: a slow
// rescore never undoes what the refresher folded meanwhile.
func (s *FeatureStateStore) SaveStates(ctx context.Context, snaps []feature.Snapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	// One row per person: an upsert may not touch a row twice.
	at := make(map[string]int, len(snaps))
	var (
		people             []string
		versions           []int32
		seqs, folded, hors []int64
		states             [][]byte
	)
	for i := range snaps {
		sn := &snaps[i]
		if j, dup := at[sn.Person]; dup {
			if sn.Seq >= seqs[j] {
				versions[j], seqs[j], folded[j], hors[j], states[j] = int32(sn.Version), sn.Seq, sn.FoldedAt, sn.Horizon, sn.State
			}
			continue
		}
		at[sn.Person] = len(people)
		people, versions, seqs = append(people, sn.Person), append(versions, int32(sn.Version)), append(seqs, sn.Seq)
		folded, hors, states = append(folded, sn.FoldedAt), append(hors, sn.Horizon), append(states, sn.State)
	}
	b := &pgx.Batch{} // one implicit transaction
	b.Queue(lockLedgerSharedSQL, int64(ledgerLock))
	b.Queue(`INSERT INTO feature_state (person, version, seq, folded_at, horizon, state)
		SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bytea[])
		ON CONFLICT (person) DO UPDATE SET version = excluded.version, seq = excluded.seq,
			folded_at = excluded.folded_at, horizon = excluded.horizon, state = excluded.state
		WHERE excluded.seq >= feature_state.seq OR excluded.version <> feature_state.version`,
		people, versions, seqs, folded, hors, states)
	if err := s.db.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: save feature states: %w", err)
	}
	return nil
}

// LoadState returns the person's snapshot; ok is false when there is none.
func (s *FeatureStateStore) LoadState(ctx context.Context, person string) (sn feature.Snapshot, ok bool, err error) {
	sn, ok, err = sqlrow.LoadState(ctx, s.db.q(), person)
	if err != nil {
		err = fmt.Errorf("postgres: load feature state: %w", err)
	}
	return sn, ok, err
}

// ScanStates calls fn with the snapshots of the people after `after`, in
// person order, a batch at a time. fn owns each batch.
func (s *FeatureStateStore) ScanStates(ctx context.Context, after string, fn func([]feature.Snapshot) error) error {
	return sqlrow.ScanStates(ctx, s.db.q(), after, fn)
}

// Changed returns the people with events in the ledger positions (from, to],
// each with the highest such seq: the people whose snapshots may be behind.
func (s *FeatureStateStore) Changed(ctx context.Context, from, to int64) (map[string]int64, error) {
	out, err := sqlrow.Changed(ctx, s.db.q(), from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: changed people: %w", err)
	}
	return out, nil
}

// rawColumns are what the raw reads select, in the order readRaw expects.
const rawColumns = `person, seq, occurred_at, recorded_at, source, kind, payload`

// PersonEvents returns the person's events with seq in (from, to], raw.
func (s *FeatureStateStore) PersonEvents(ctx context.Context, person string, from, to int64) ([]feature.RawEvent, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+rawColumns+` FROM events
		WHERE person = $1 AND seq > $2 AND seq <= $3 AND NOT `+notCountedSQL+` ORDER BY occurred_at, seq`, person, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: person events: %w", err)
	}
	people, _, err := readRaw(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: person events: %w", err)
	}
	if len(people) == 0 {
		return nil, nil
	}
	return people[0].Events, nil
}

// ScanEvents reads every person after `after` with their events up to ledger
// position `to`, raw, in batches of whole people (about 2,000 of them),
// one index range scan each. The next batch is read while fn works on this
// one. Batches are garbage collected: release only marks fn done.
func (s *FeatureStateStore) ScanEvents(ctx context.Context, after string, to int64, fn func(people []feature.RawPerson, release func()) error) error {
	// Records that stopped counting are rare: the scan pays for leaving
	// them out only when there are any (as sqlite's ScanRaw).
	var anyOut bool
	if err := s.db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM event_disputes
		WHERE status IN ('corrected', 'deleted', 'suppressed'))`).Scan(&anyOut); err != nil {
		return fmt.Errorf("postgres: scan: %w", err)
	}
	disputed := ""
	if anyOut {
		disputed = "AND NOT " + notCountedSQL
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		people []feature.RawPerson
		err    error
	}
	out := make(chan result, 1)
	go func() {
		defer close(out)
		for {
			people, err := s.rawBatch(ctx, after, to, disputed)
			if err != nil || len(people) > 0 {
				select {
				case out <- result{people, err}:
				case <-ctx.Done():
					return
				}
			}
			if err != nil || len(people) == 0 {
				return
			}
			after = string(people[len(people)-1].Person)
		}
	}()
	for r := range out {
		if r.err != nil {
			return r.err
		}
		if err := fn(r.people, func() {}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// rawBatch reads the whole people after `after`: up to rawScanRows rows in
// the person index's order, less the last person when the limit may have
// cut them short (a person with more rows than that is read alone).
func (s *FeatureStateStore) rawBatch(ctx context.Context, after string, to int64, disputed string) ([]feature.RawPerson, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+rawColumns+` FROM events
		WHERE person > $1 AND seq <= $2 `+disputed+`
		ORDER BY person, occurred_at, seq LIMIT $3`, after, to, rawScanRows)
	if err != nil {
		return nil, fmt.Errorf("postgres: scan: %w", err)
	}
	people, n, err := readRaw(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: scan: %w", err)
	}
	if n < rawScanRows {
		return people, nil
	}
	if len(people) > 1 {
		return people[:len(people)-1], nil
	}
	rows, err = s.db.pool.Query(ctx, `SELECT `+rawColumns+` FROM events
		WHERE person = $1 AND seq <= $2 `+disputed+` ORDER BY occurred_at, seq`, string(people[0].Person), to)
	if err != nil {
		return nil, fmt.Errorf("postgres: scan: %w", err)
	}
	people, _, err = readRaw(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: scan: %w", err)
	}
	return people, nil
}

// readRaw reads rows of rawColumns, grouped by person in the order they
// come, copying each row's text into one arena rather than a string per
// field, and closes rows. It returns the rows read.
func readRaw(rows pgx.Rows) ([]feature.RawPerson, int, error) {
	defer rows.Close()
	var (
		people []feature.RawPerson
		arena  = make([]byte, 0, 1<<20)
		n      int
	)
	fds := rows.FieldDescriptions()
	type span struct{ off, len int }
	var spans [][4]span // person, source, kind, payload of each row, in arena
	var events []feature.RawEvent
	var owner []int // each event's person index
	for rows.Next() {
		v := rows.RawValues()
		if len(v) != 7 {
			return nil, 0, fmt.Errorf("want 7 columns, got %d", len(v))
		}
		var e feature.RawEvent
		var err error
		if e.Seq, err = rawInt(fds[1], v[1]); err != nil {
			return nil, 0, err
		}
		if e.OccurredAt, err = rawInt(fds[2], v[2]); err != nil {
			return nil, 0, err
		}
		if e.RecordedAt, err = rawInt(fds[3], v[3]); err != nil {
			return nil, 0, err
		}
		payload := v[6]
		if fds[6].Format == pgtype.BinaryFormatCode && fds[6].DataTypeOID == pgtype.JSONBOID {
			if len(payload) == 0 || payload[0] != 1 {
				return nil, 0, fmt.Errorf("jsonb of an unknown binary version")
			}
			payload = payload[1:]
		}
		var sp [4]span
		for k, b := range [][]byte{v[0], v[4], v[5], payload} {
			sp[k] = span{len(arena), len(b)}
			arena = append(arena, b...)
		}
		if len(people) == 0 || string(v[0]) != string(arenaOf(arena, spans[len(spans)-1][0].off, spans[len(spans)-1][0].len)) {
			people = append(people, feature.RawPerson{})
		}
		spans = append(spans, sp)
		events = append(events, e)
		owner = append(owner, len(people)-1)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	// The arena grew while reading: slices into it are taken only now.
	for i := range events {
		sp := spans[i]
		events[i].Source = arenaOf(arena, sp[1].off, sp[1].len)
		events[i].Kind = arenaOf(arena, sp[2].off, sp[2].len)
		events[i].Payload = arenaOf(arena, sp[3].off, sp[3].len)
	}
	start := 0
	for i := range events {
		if i+1 == len(events) || owner[i+1] != owner[i] {
			p := &people[owner[i]]
			p.Person = arenaOf(arena, spans[i][0].off, spans[i][0].len)
			p.Events = events[start : i+1 : i+1]
			start = i + 1
		}
	}
	return people, n, nil
}

func arenaOf(arena []byte, off, n int) []byte { return arena[off : off+n : off+n] }

// rawInt decodes a bigint in either wire format.
func rawInt(fd pgconn.FieldDescription, b []byte) (int64, error) {
	if fd.Format == pgtype.BinaryFormatCode {
		if len(b) != 8 {
			return 0, fmt.Errorf("column %s: want 8 bytes, got %d", fd.Name, len(b))
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// PeopleEvents returns each people[i]'s events with seq in (from[i], to],
// in one query: a chunk of a full rescore refolds its people with one
// round trip rather than one each.
func (s *FeatureStateStore) PeopleEvents(ctx context.Context, people []string, from []int64, to int64) ([][]feature.RawEvent, error) {
	out := make([][]feature.RawEvent, len(people))
	if len(people) == 0 {
		return out, nil
	}
	rows, err := s.db.pool.Query(ctx, `SELECT `+rawColumns+` FROM events
		JOIN unnest($1::text[], $2::bigint[]) AS w(p, after) ON events.person = w.p COLLATE "C" AND events.seq > w.after
		WHERE events.seq <= $3 AND NOT `+notCountedSQL+`
		ORDER BY events.person, events.occurred_at, events.seq`, people, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: people's events: %w", err)
	}
	read, _, err := readRaw(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: people's events: %w", err)
	}
	at := make(map[string]int, len(people))
	for i, p := range people {
		at[p] = i
	}
	for _, rp := range read {
		if i, ok := at[string(rp.Person)]; ok {
			out[i] = rp.Events
		}
	}
	return out, nil
}
