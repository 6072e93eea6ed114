package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
)

var _ sesame.ScaleStore = (*ScoreStore)(nil)

// FixPointsScale stores s as the deployment's scale unless one is stored,
// and returns the stored one.
func (s *ScoreStore) FixPointsScale(ctx context.Context, scale sesame.PointsScale) (sesame.PointsScale, error) {
	if _, err := s.db.pool.Exec(ctx, `INSERT INTO points_scale (id, anchor_score, anchor_odds, pdo, fixed_at) VALUES (1, $1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, scale.AnchorScore, scale.AnchorOdds, scale.PDO, scale.FixedAt.UnixNano()); err != nil {
		return sesame.PointsScale{}, fmt.Errorf("postgres: points scale: %w", err)
	}
	var out sesame.PointsScale
	var at int64
	if err := s.db.pool.QueryRow(ctx, `SELECT anchor_score, anchor_odds, pdo, fixed_at FROM points_scale WHERE id = 1`).
		Scan(&out.AnchorScore, &out.AnchorOdds, &out.PDO, &at); err != nil {
		return sesame.PointsScale{}, fmt.Errorf("postgres: points scale: %w", err)
	}
	out.FixedAt = time.Unix(0, at).UTC()
	return out, nil
}
