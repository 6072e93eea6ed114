package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

var _ sesame.ChallengerStore = (*ScoreStore)(nil)

// SetChallenger makes version the challenger; "" clears it.
func (s *ScoreStore) SetChallenger(ctx context.Context, version string) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		if version == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM model_challenger`)
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM models WHERE version = ?`, version).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "no model version %q", version)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO model_challenger (id, version, set_at) VALUES (1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET version = excluded.version, set_at = excluded.set_at`, version, time.Now().UnixNano())
		return err
	})
}

// Challenger returns the challenger model or ENOTFOUND.
func (s *ScoreStore) Challenger(ctx context.Context) (sesame.ModelInfo, []byte, error) {
	return sqlrow.Challenger(ctx, s.db.q())
}

// SaveShadowScores keeps each person's latest score under its model.
func (s *ScoreStore) SaveShadowScores(ctx context.Context, scores []*sesame.Score) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO shadow_scores (person, model_version, status, score, band, as_of) VALUES (?,?,?,?,?,?)
			ON CONFLICT (person, model_version) DO UPDATE SET status = excluded.status, score = excluded.score, band = excluded.band, as_of = excluded.as_of`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, sc := range scores {
			if _, err := st.ExecContext(ctx, sc.Person, sc.ModelVersion, sc.Status, sc.Score, string(sc.Band), sc.AsOf.UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
}

// ShadowScore returns a person's latest shadow score under version.
func (s *ScoreStore) ShadowScore(ctx context.Context, person, version string) (*sesame.Score, error) {
	return sqlrow.ShadowScore(ctx, s.db.q(), person, version)
}

// Promote activates p.Version and records the promotion, atomically.
func (s *ScoreStore) Promote(ctx context.Context, p sesame.Promotion) (sesame.Promotion, error) {
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM models WHERE version = ?`, p.Version).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "no model version %q", p.Version)
		}
		err := tx.QueryRowContext(ctx, `SELECT version FROM models WHERE active = 1`).Scan(&p.Previous)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if p.Previous == p.Version {
			return sesame.Errorf(sesame.ECONFLICT, "model %s is already active", p.Version)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE models SET active = 0 WHERE active = 1`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE models SET active = 1 WHERE version = ?`, p.Version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM model_challenger WHERE version = ?`, p.Version); err != nil {
			return err
		}
		p.At = time.Now().UTC()
		return tx.QueryRowContext(ctx, `INSERT INTO model_promotions (version, previous, action, reason, at) VALUES (?,?,?,?,?) RETURNING seq`,
			p.Version, p.Previous, p.Action, p.Reason, p.At.UnixNano()).Scan(&p.Seq)
	})
	return p, err
}

// Promotions lists promotions and rollbacks, newest first.
func (s *ScoreStore) Promotions(ctx context.Context) ([]sesame.Promotion, error) {
	return sqlrow.Promotions(ctx, s.db.q())
}
