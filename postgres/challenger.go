package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

var _ sesame.ChallengerStore = (*ScoreStore)(nil)

// SetChallenger makes version the challenger; "" clears it.
func (s *ScoreStore) SetChallenger(ctx context.Context, version string) error {
	if version == "" {
		if _, err := s.db.pool.Exec(ctx, `DELETE FROM model_challenger`); err != nil {
			return fmt.Errorf("postgres: clear challenger: %w", err)
		}
		return nil
	}
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO model_challenger (id, version, set_at)
		SELECT 1, version, $2 FROM models WHERE version = $1
		ON CONFLICT (id) DO UPDATE SET version = excluded.version, set_at = excluded.set_at`, version, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("postgres: set challenger: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "no model version %q", version)
	}
	return nil
}

// Challenger returns the challenger model or ENOTFOUND.
func (s *ScoreStore) Challenger(ctx context.Context) (sesame.ModelInfo, []byte, error) {
	return sqlrow.Challenger(ctx, s.db.q())
}

// SaveShadowScores keeps each person's latest score under its model.
func (s *ScoreStore) SaveShadowScores(ctx context.Context, scores []*sesame.Score) error {
	b := &pgx.Batch{} // one implicit transaction
	b.Queue(lockLedgerSharedSQL, int64(ledgerLock))
	for _, sc := range scores {
		b.Queue(`INSERT INTO shadow_scores (person, model_version, status, score, band, as_of) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (person, model_version) DO UPDATE SET status = excluded.status, score = excluded.score, band = excluded.band, as_of = excluded.as_of`,
			sc.Person, sc.ModelVersion, sc.Status, sc.Score, string(sc.Band), sc.AsOf.UnixNano())
	}
	if err := s.db.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: save shadow scores: %w", err)
	}
	return nil
}

// ShadowScore returns a person's latest shadow score under version.
func (s *ScoreStore) ShadowScore(ctx context.Context, person, version string) (*sesame.Score, error) {
	return sqlrow.ShadowScore(ctx, s.db.q(), person, version)
}

// Promote activates p.Version and records the promotion, atomically.
func (s *ScoreStore) Promote(ctx context.Context, p sesame.Promotion) (sesame.Promotion, error) {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return p, fmt.Errorf("postgres: promote: %w", err)
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM models WHERE version = $1`, p.Version).Scan(&n); err != nil {
		return p, fmt.Errorf("postgres: promote: %w", err)
	}
	if n == 0 {
		return p, sesame.Errorf(sesame.ENOTFOUND, "no model version %q", p.Version)
	}
	// Lock the active row so two promotions cannot both read the same previous.
	err = tx.QueryRow(ctx, `SELECT version FROM models WHERE active FOR UPDATE`).Scan(&p.Previous)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("postgres: promote: %w", err)
	}
	if p.Previous == p.Version {
		return p, sesame.Errorf(sesame.ECONFLICT, "model %s is already active", p.Version)
	}
	p.At = time.Now().UTC()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE models SET active = false WHERE active`, nil},
		{`UPDATE models SET active = true WHERE version = $1`, []any{p.Version}},
		{`DELETE FROM model_challenger WHERE version = $1`, []any{p.Version}},
	} {
		if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
			return p, fmt.Errorf("postgres: promote: %w", err)
		}
	}
	if err := tx.QueryRow(ctx, `INSERT INTO model_promotions (version, previous, action, reason, at) VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
		p.Version, p.Previous, p.Action, p.Reason, p.At.UnixNano()).Scan(&p.Seq); err != nil {
		return p, fmt.Errorf("postgres: promote: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return p, fmt.Errorf("postgres: promote: %w", err)
	}
	return p, nil
}

// Promotions lists promotions and rollbacks, newest first.
func (s *ScoreStore) Promotions(ctx context.Context) ([]sesame.Promotion, error) {
	return sqlrow.Promotions(ctx, s.db.q())
}
