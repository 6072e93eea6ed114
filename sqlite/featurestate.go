package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// FeatureStateStore keeps each person's folded feature state (a
// feature.Snapshot a person) next to the ledger, so that a full rescore reads
// one row a person instead of refolding every event, and rescoring after an
// event folds only the events since. The score service writes it (the full
// rescore and the on-event refresher) and reads it; the ledger stays the
// truth: any row can be dropped and rebuilt from the events. Get it from
// DB.FeatureStates.
type FeatureStateStore struct{ db *DB }

// FeatureStates returns the feature-state store of the database.
func (db *DB) FeatureStates() *FeatureStateStore { return &FeatureStateStore{db: db} }

// LedgerEnd is the ledger's current position (see EventStore.LedgerEnd).
func (s *FeatureStateStore) LedgerEnd(ctx context.Context) (int64, error) {
	return s.db.events.LedgerEnd(ctx)
}

// Coverage returns the snapshot version and ledger position up to which the
// table is complete (see 040_feature_state.sql); ok is false when no full
// build has completed yet.
func (s *FeatureStateStore) Coverage(ctx context.Context) (version int, through int64, ok bool, err error) {
	version, through, ok, err = sqlrow.Coverage(ctx, s.db.q())
	if err != nil {
		err = fmt.Errorf("sqlite: feature state coverage: %w", err)
	}
	return version, through, ok, err
}

// SaveCoverage records that every person with events up to through has a
// snapshot of version covering them.
func (s *FeatureStateStore) SaveCoverage(ctx context.Context, version int, through int64) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO feature_state_coverage (id, version, through, at) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET version = excluded.version, through = excluded.through, at = excluded.at`,
			version, through, time.Now().UnixNano())
		return err
	})
}

// SaveStates stores snapshots in one transaction. A stored snapshot that
// covers more of the ledger (a higher seq, same version) is kept: a slow
// rescore never undoes what the refresher folded meanwhile.
func (s *FeatureStateStore) SaveStates(ctx context.Context, snaps []feature.Snapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO feature_state (person, version, seq, folded_at, horizon, state) VALUES (?,?,?,?,?,?)
			ON CONFLICT (person) DO UPDATE SET version = excluded.version, seq = excluded.seq,
				folded_at = excluded.folded_at, horizon = excluded.horizon, state = excluded.state
			WHERE excluded.seq >= feature_state.seq OR excluded.version <> feature_state.version`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range snaps {
			sn := &snaps[i]
			if _, err := st.ExecContext(ctx, sn.Person, sn.Version, sn.Seq, sn.FoldedAt, sn.Horizon, sn.State); err != nil {
				return fmt.Errorf("sqlite: save feature state: %w", err)
			}
		}
		return nil
	})
}

// LoadState returns the person's snapshot; ok is false when there is none.
func (s *FeatureStateStore) LoadState(ctx context.Context, person string) (sn feature.Snapshot, ok bool, err error) {
	sn, ok, err = sqlrow.LoadState(ctx, s.db.q(), person)
	if err != nil {
		err = fmt.Errorf("sqlite: load feature state: %w", err)
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
		return nil, fmt.Errorf("sqlite: changed people: %w", err)
	}
	return out, nil
}

// PersonEvents returns the person's events with seq in (from, to], raw.
func (s *FeatureStateStore) PersonEvents(ctx context.Context, person string, from, to int64) ([]feature.RawEvent, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT seq, occurred_at, recorded_at, source, kind, payload FROM events
		WHERE person = ? AND seq > ? AND seq <= ? AND NOT `+notCountedSQL+` ORDER BY occurred_at, seq`, person, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: person events: %w", err)
	}
	return sqlrow.Collect(rows, func(row sqlrow.Row) (e feature.RawEvent, err error) {
		return e, row.Scan(&e.Seq, &e.OccurredAt, &e.RecordedAt, &e.Source, &e.Kind, &e.Payload)
	})
}

// ScanEvents reads every person after `after` with their events up to ledger
// position `to`, raw (EventStore.ScanRaw), in batches of whole people of
// about 2,000 people; fn calls release when done with a batch.
func (s *FeatureStateStore) ScanEvents(ctx context.Context, after string, to int64, fn func(people []feature.RawPerson, release func()) error) error {
	return s.db.events.ScanRaw(ctx, RawScan{After: after, MaxSeq: to, BufferSize: 32 << 20}, func(b *RawBatch) error {
		return fn(b.People, b.Release)
	})
}

// PeopleEvents returns each people[i]'s events with seq in (from[i], to]:
// PersonEvents in turn, as a read in process costs no round trip.
func (s *FeatureStateStore) PeopleEvents(ctx context.Context, people []string, from []int64, to int64) ([][]feature.RawEvent, error) {
	out := make([][]feature.RawEvent, len(people))
	for i, p := range people {
		var err error
		if out[i], err = s.PersonEvents(ctx, p, from[i], to); err != nil {
			return nil, err
		}
	}
	return out, nil
}
