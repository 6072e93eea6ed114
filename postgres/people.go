package postgres

import (
	"context"
	"fmt"
)

// CountPeople returns how many people have events in the ledger: the total
// a full rescore's progress counts towards.
func (db *DB) CountPeople(ctx context.Context) (int64, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT COUNT(DISTINCT person) FROM events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: counting people: %w", err)
	}
	return n, nil
}
