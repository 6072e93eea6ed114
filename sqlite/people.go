package sqlite

import (
	"context"
	"fmt"
)

// CountPeople returns how many people have events in the ledger: the total
// a full rescore's progress counts towards. It reads the person index
// only, so it may run beside the rescore.
func (db *DB) CountPeople(ctx context.Context) (int64, error) {
	var n int64
	if err := db.reader.QueryRowContext(ctx, `SELECT COUNT(DISTINCT person) FROM events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: counting people: %w", err)
	}
	return n, nil
}
