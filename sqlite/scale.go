package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
)

var _ sesame.ScaleStore = (*ScoreStore)(nil)

// FixPointsScale stores s as the deployment's scale unless one is stored,
// and returns the stored one.
func (s *ScoreStore) FixPointsScale(ctx context.Context, scale sesame.PointsScale) (sesame.PointsScale, error) {
	var out sesame.PointsScale
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO points_scale (id, anchor_score, anchor_odds, pdo, fixed_at) VALUES (1,?,?,?,?)
			ON CONFLICT (id) DO NOTHING`, scale.AnchorScore, scale.AnchorOdds, scale.PDO, scale.FixedAt.UnixNano()); err != nil {
			return err
		}
		var at int64
		if err := tx.QueryRowContext(ctx, `SELECT anchor_score, anchor_odds, pdo, fixed_at FROM points_scale WHERE id = 1`).
			Scan(&out.AnchorScore, &out.AnchorOdds, &out.PDO, &at); err != nil {
			return err
		}
		out.FixedAt = time.Unix(0, at).UTC()
		return nil
	})
	if err != nil {
		return sesame.PointsScale{}, fmt.Errorf("sqlite: points scale: %w", err)
	}
	return out, nil
}
