package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Stats implements sesame.StatsReader.
func (db *DB) Stats(ctx context.Context, now time.Time) (sesame.Stats, error) {
	st, err := sqlrow.Stats(ctx, db.q(), now, `json_extract(result, '$.decision')`)
	if err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	return st, nil
}
