package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/sesame-credit/sesame"
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
	var m sesame.ModelInfo
	var created int64
	var a []byte
	err := s.db.pool.QueryRow(ctx, `SELECT m.version, m.kind, m.created_at, m.active, m.auc, m.note, m.artifact
		FROM model_challenger c JOIN models m ON m.version = c.version`).Scan(&m.Version, &m.Kind, &created, &m.Active, &m.AUC, &m.Note, &a)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, nil, sesame.Errorf(sesame.ENOTFOUND, "no challenger model (sesame model challenger VERSION)")
	}
	if err != nil {
		return m, nil, fmt.Errorf("postgres: challenger: %w", err)
	}
	m.CreatedAt = time.Unix(0, created).UTC()
	return m, a, nil
}

// SaveShadowScores keeps each person's latest score under its model.
func (s *ScoreStore) SaveShadowScores(ctx context.Context, scores []*sesame.Score) error {
	b := &pgx.Batch{}
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
	sc := &sesame.Score{Person: person, ModelVersion: version}
	var band string
	var asOf int64
	err := s.db.pool.QueryRow(ctx, `SELECT status, score, band, as_of FROM shadow_scores WHERE person = $1 AND model_version = $2`,
		person, version).Scan(&sc.Status, &sc.Score, &band, &asOf)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no shadow score of %s under %s", person, version)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: shadow score: %w", err)
	}
	sc.Band, sc.AsOf = sesame.Band(band), time.Unix(0, asOf).UTC()
	return sc, nil
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
	rows, err := s.db.pool.Query(ctx, `SELECT seq, version, previous, action, reason, at FROM model_promotions ORDER BY seq DESC`)
	if err != nil {
		return nil, fmt.Errorf("postgres: promotions: %w", err)
	}
	defer rows.Close()
	var out []sesame.Promotion
	for rows.Next() {
		var p sesame.Promotion
		var at int64
		if err := rows.Scan(&p.Seq, &p.Version, &p.Previous, &p.Action, &p.Reason, &at); err != nil {
			return nil, err
		}
		p.At = time.Unix(0, at).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}
