package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
)

// Stats implements sesame.StatsReader.
func (db *DB) Stats(ctx context.Context, now time.Time) (sesame.Stats, error) {
	st := sesame.Stats{PeopleByBand: map[sesame.Band]int64{}}
	// The band lives in the history row each latest score copies.
	rows, err := db.reader.QueryContext(ctx, `SELECT s.band, COUNT(*) FROM score_latest l JOIN scores s ON s.seq = l.seq GROUP BY s.band`)
	if err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	for rows.Next() {
		var band string
		var n int64
		if err := rows.Scan(&band, &n); err != nil {
			rows.Close()
			return st, fmt.Errorf("sqlite: stats: %w", err)
		}
		if band == "" {
			band = string(sesame.NoBand)
		}
		st.PeopleByBand[sesame.Band(band)] += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	if err := db.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM consents WHERE revoked_at IS NULL AND expires_at > ?`, tsNS(now)).Scan(&st.LiveConsents); err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	if err := db.reader.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(revoked_at) FROM credentials`).Scan(&st.CredentialsIssued, &st.CredentialsRevoked); err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	rows, err = db.reader.QueryContext(ctx, `SELECT product, json_extract(result, '$.decision'), COUNT(*) FROM decisions GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c sesame.DecisionCount
		if err := rows.Scan(&c.Product, &c.Outcome, &c.N); err != nil {
			return st, fmt.Errorf("sqlite: stats: %w", err)
		}
		st.Decisions = append(st.Decisions, c)
	}
	return st, rows.Err()
}
