package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Stats implements sesame.StatsReader.
func (db *DB) Stats(ctx context.Context, now time.Time) (sesame.Stats, error) {
	st, err := sqlrow.Stats(ctx, db.q(), now, `result::jsonb->>'decision'`)
	if err != nil {
		return st, fmt.Errorf("postgres: stats: %w", err)
	}
	return st, nil
}
