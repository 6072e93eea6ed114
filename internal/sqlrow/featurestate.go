package sqlrow

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sesame-credit/sesame/feature"
)

// Coverage returns the snapshot version and ledger position up to which
// feature_state is complete; ok is false when no full build has completed.
func Coverage(ctx context.Context, q Querier) (version int, through int64, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT version, through FROM feature_state_coverage WHERE id = 1`).Scan(&version, &through)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	return version, through, err == nil, err
}

// LoadState returns the person's snapshot; ok is false when there is none.
func LoadState(ctx context.Context, q Querier, person string) (sn feature.Snapshot, ok bool, err error) {
	sn.Person = person
	err = q.QueryRow(ctx, `SELECT version, seq, folded_at, horizon, state FROM feature_state WHERE person = ?`, person).
		Scan(&sn.Version, &sn.Seq, &sn.FoldedAt, &sn.Horizon, &sn.State)
	if errors.Is(err, sql.ErrNoRows) {
		return sn, false, nil
	}
	return sn, err == nil, err
}

// StateScanBatch is how many snapshots ScanStates reads per query.
const StateScanBatch = 2000

// ScanStates calls fn with the snapshots of the people after `after`, in
// person order, a batch at a time, each read by a query of its own that
// is closed before fn runs. fn owns each batch.
func ScanStates(ctx context.Context, q Querier, after string, fn func([]feature.Snapshot) error) error {
	for {
		rows, err := q.Query(ctx, `SELECT person, version, seq, folded_at, horizon, state FROM feature_state
			WHERE person > ? ORDER BY person LIMIT ?`, after, StateScanBatch)
		if err != nil {
			return err
		}
		batch, err := Collect(rows, func(row Row) (feature.Snapshot, error) {
			var sn feature.Snapshot
			return sn, row.Scan(&sn.Person, &sn.Version, &sn.Seq, &sn.FoldedAt, &sn.Horizon, &sn.State)
		})
		if err != nil || len(batch) == 0 {
			return err
		}
		after = batch[len(batch)-1].Person
		if err := fn(batch); err != nil {
			return err
		}
	}
}

// Changed returns the people with events in the ledger positions (from,
// to], each with the highest such seq. It reads the ledger's tail by seq,
// so it costs in proportion to what was appended since from.
func Changed(ctx context.Context, q Querier, from, to int64) (map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT person, max(seq) FROM events WHERE seq > ? AND seq <= ? GROUP BY person`, from, to)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	return out, PersonSeqs(rows, out)
}
