package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
)

// ScoreStore implements sesame.ScoreStore, sesame.ModelStore and
// sesame.Checkpoints on the database.
type ScoreStore struct{ db *DB }

// Scores returns the score store of the database.
func (db *DB) Scores() *ScoreStore { return &ScoreStore{db: db} }

var (
	_ sesame.ScoreStore  = (*ScoreStore)(nil)
	_ sesame.ModelStore  = (*ScoreStore)(nil)
	_ sesame.Checkpoints = (*ScoreStore)(nil)
)

// SaveScores appends each score to the history and makes it the latest.
func (s *ScoreStore) SaveScores(ctx context.Context, scores []*sesame.Score) error {
	if len(scores) == 0 {
		return nil
	}
	now := time.Now().UnixNano()
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		hist, err := tx.PrepareContext(ctx, `INSERT INTO scores (person, status, score, band, model_version, as_of, computed_at) VALUES (?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer hist.Close()
		latest, err := tx.PrepareContext(ctx, `INSERT INTO score_latest (person, seq, body) VALUES (?,?,?)
			ON CONFLICT (person) DO UPDATE SET seq = excluded.seq, body = excluded.body`)
		if err != nil {
			return err
		}
		defer latest.Close()
		for _, sc := range scores {
			res, err := hist.ExecContext(ctx, sc.Person, sc.Status, sc.Score, string(sc.Band), sc.ModelVersion, sc.AsOf.UnixNano(), now)
			if err != nil {
				return fmt.Errorf("sqlite: save score: %w", err)
			}
			seq, err := res.LastInsertId()
			if err != nil {
				return err
			}
			body, err := sesame.MarshalStoredScore(sc)
			if err != nil {
				return err
			}
			if _, err := latest.ExecContext(ctx, sc.Person, seq, body); err != nil {
				return fmt.Errorf("sqlite: save latest score: %w", err)
			}
		}
		return nil
	})
}

// LatestScore returns the person's latest score or ENOTFOUND.
func (s *ScoreStore) LatestScore(ctx context.Context, person string) (*sesame.Score, error) {
	var body []byte
	err := s.db.reader.QueryRowContext(ctx, `SELECT body FROM score_latest WHERE person = ?`, person).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no score for person %q yet", person)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: latest score: %w", err)
	}
	sc, err := sesame.UnmarshalStoredScore(body)
	if err != nil {
		return nil, fmt.Errorf("sqlite: latest score of %q: %w", person, err)
	}
	return sc, nil
}

// ScoreHistory returns up to limit past scores, newest first.
func (s *ScoreStore) ScoreHistory(ctx context.Context, person string, limit int) ([]sesame.ScorePoint, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.reader.QueryContext(ctx, `SELECT seq, status, score, band, model_version, as_of FROM scores
		WHERE person = ? ORDER BY seq DESC LIMIT ?`, person, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: score history: %w", err)
	}
	defer rows.Close()
	out := []sesame.ScorePoint{}
	for rows.Next() {
		var p sesame.ScorePoint
		var band string
		var asOf int64
		if err := rows.Scan(&p.Seq, &p.Status, &p.Score, &band, &p.ModelVersion, &asOf); err != nil {
			return nil, err
		}
		p.Band, p.AsOf = sesame.Band(band), time.Unix(0, asOf).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveModel stores an artifact; saving the same version again changes nothing.
func (s *ScoreStore) SaveModel(ctx context.Context, info sesame.ModelInfo, artifact []byte) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO models (version, kind, created_at, auc, note, artifact) VALUES (?,?,?,?,?,?)
			ON CONFLICT (version) DO NOTHING`, info.Version, info.Kind, info.CreatedAt.UnixNano(), info.AUC, info.Note, artifact)
		return err
	})
}

// Models lists the stored versions, newest first.
func (s *ScoreStore) Models(ctx context.Context) ([]sesame.ModelInfo, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT version, kind, created_at, active, auc, note FROM models ORDER BY created_at DESC, version`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: models: %w", err)
	}
	defer rows.Close()
	out := []sesame.ModelInfo{}
	for rows.Next() {
		var m sesame.ModelInfo
		var created int64
		if err := rows.Scan(&m.Version, &m.Kind, &created, &m.Active, &m.AUC, &m.Note); err != nil {
			return nil, err
		}
		m.CreatedAt = time.Unix(0, created).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// ModelArtifact returns a version's artifact.
func (s *ScoreStore) ModelArtifact(ctx context.Context, version string) ([]byte, error) {
	var a []byte
	err := s.db.reader.QueryRowContext(ctx, `SELECT artifact FROM models WHERE version = ?`, version).Scan(&a)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no model version %q", version)
	}
	return a, err
}

// ActivateModel makes version the only active model.
func (s *ScoreStore) ActivateModel(ctx context.Context, version string) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM models WHERE version = ?`, version).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "no model version %q", version)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE models SET active = 0 WHERE active = 1`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE models SET active = 1 WHERE version = ?`, version)
		return err
	})
}

// ActiveModel returns the active model or EUNAVAILABLE.
func (s *ScoreStore) ActiveModel(ctx context.Context) (sesame.ModelInfo, []byte, error) {
	var m sesame.ModelInfo
	var created int64
	var a []byte
	err := s.db.reader.QueryRowContext(ctx, `SELECT version, kind, created_at, active, auc, note, artifact FROM models WHERE active = 1`).
		Scan(&m.Version, &m.Kind, &created, &m.Active, &m.AUC, &m.Note, &a)
	if errors.Is(err, sql.ErrNoRows) {
		return m, nil, sesame.Errorf(sesame.EUNAVAILABLE, "no active model: train one and activate it (sesame model activate VERSION)")
	}
	m.CreatedAt = time.Unix(0, created).UTC()
	return m, a, err
}

// Checkpoint returns the saved position of job.
func (s *ScoreStore) Checkpoint(ctx context.Context, job string) (string, error) {
	var p string
	err := s.db.reader.QueryRowContext(ctx, `SELECT position FROM checkpoints WHERE job = ?`, job).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return p, err
}

// SaveCheckpoint records the position of job; "" clears it.
func (s *ScoreStore) SaveCheckpoint(ctx context.Context, job, position string) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		if position == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM checkpoints WHERE job = ?`, job)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (job, position, updated_at) VALUES (?,?,?)
			ON CONFLICT (job) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`, job, position, time.Now().UnixNano())
		return err
	})
}
