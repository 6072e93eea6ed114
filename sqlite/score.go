package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqliteraw"
	"github.com/sesame-credit/sesame/internal/sqlrow"
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
	_ sesame.ChunkSaver  = (*ScoreStore)(nil)
)

// encodedScore is a score in the form it is stored in.
type encodedScore struct {
	body, features []byte
}

// encodeScores encodes a batch of scores for storing, spread over all
// cores on a big batch, before the write lock is taken: a full rescore saves
// a million scores through the single writer, which must only insert.
// usesCatalogue says whether some row refers to catalogueSet.
func encodeScores(scores []*sesame.Score, parallel bool) (out []encodedScore, usesCatalogue bool, err error) {
	out = make([]encodedScore, len(scores))
	var catalogue atomic.Bool
	encode := func(lo, hi int) error {
		// One buffer for the range, cut into rows; sized for a typical
		// score (about 1.3 kB of JSON and 0.5 kB of values) so that it
		// rarely grows.
		buf := make([]byte, 0, (hi-lo)*2048)
		for i := lo; i < hi; i++ {
			sc := scores[i]
			start := len(buf)
			var err error
			if buf, err = sesame.AppendScoreJSON(buf, sc); err != nil {
				return sesame.Errorf(sesame.EINVALID, "%v", err)
			}
			mid := len(buf)
			out[i].body = buf[start:mid:mid]
			if sc.Features == nil {
				continue // NULL, not an empty profile
			}
			var ok bool
			if buf, ok = appendValues(buf, sc.Features); ok {
				catalogue.Store(true)
			} else {
				buf = sesame.AppendFeatures(buf, sc.Features)
			}
			out[i].features = buf[mid:len(buf):len(buf)]
		}
		return nil
	}
	if !parallel {
		err = encode(0, len(scores))
	} else {
		err = inRanges(len(scores), encode)
	}
	return out, catalogue.Load(), err
}

const (
	insertScoreSQL = `INSERT INTO scores (person, status, score, band, model_version, as_of, computed_at) VALUES (?,?,?,?,?,?,?)`
	// A new person goes under their key unless someone else has it
	// (person_key.go); a person already stored keeps their rowid.
	upsertLatestSQL = `INSERT INTO score_latest (person_key, person, seq, body, features)
		VALUES (CASE WHEN EXISTS (SELECT 1 FROM score_latest WHERE person_key = ?1 AND person <> ?2) THEN NULL ELSE ?1 END, ?2, ?3, ?4, ?5)
		ON CONFLICT (person) DO UPDATE SET seq = excluded.seq, body = excluded.body, features = excluded.features`
)

// SaveScores appends each score to the history and makes it the latest, in
// one durable transaction. The rows are encoded first, outside the lock;
// the inserts go to the driver directly (sqliteraw.WriteTx).
func (s *ScoreStore) SaveScores(ctx context.Context, scores []*sesame.Score) error {
	if len(scores) == 0 {
		return nil
	}
	p, err := prepareScores(scores, true)
	if err != nil {
		return err
	}
	return s.save(ctx, p, "", "")
}

// PreparedScores are scores encoded for storing (sesame.ChunkSaver).
type PreparedScores struct {
	scores        []*sesame.Score
	rows          []encodedScore
	usesCatalogue bool
}

// Len is the number of scores.
func (p *PreparedScores) Len() int { return len(p.scores) }

func prepareScores(scores []*sesame.Score, parallel bool) (*PreparedScores, error) {
	rows, usesCatalogue, err := encodeScores(scores, parallel)
	if err != nil {
		return nil, err
	}
	return &PreparedScores{scores: scores, rows: rows, usesCatalogue: usesCatalogue}, nil
}

// PrepareScores encodes scores for SaveChunk on the calling goroutine: a
// rescore's workers call it side by side.
func (s *ScoreStore) PrepareScores(scores []*sesame.Score) (sesame.PreparedScores, error) {
	return prepareScores(scores, false)
}

// SaveChunk stores prepared scores and the job's checkpoint in one durable
// transaction.
func (s *ScoreStore) SaveChunk(ctx context.Context, p sesame.PreparedScores, job, position string) error {
	ps, ok := p.(*PreparedScores)
	if !ok {
		return fmt.Errorf("sqlite: SaveChunk: scores prepared by %T, not this store", p)
	}
	if job == "" {
		return errors.New("sqlite: SaveChunk: no job to checkpoint")
	}
	return s.save(ctx, ps, job, position)
}

// save writes the scores and, when job is set, the job's position, in one
// transaction.
func (s *ScoreStore) save(ctx context.Context, p *PreparedScores, job, position string) error {
	scores, rows, usesCatalogue := p.scores, p.rows, p.usesCatalogue
	now := time.Now().UnixNano()
	return sqliteraw.WriteTx(ctx, s.db.writer, func(c *sqlite3.SQLiteConn) error {
		if usesCatalogue {
			exec := func(q string, args ...any) error {
				vals := make([]driver.Value, len(args))
				for i, a := range args {
					vals[i] = a
				}
				_, err := c.Exec(q, vals)
				return err
			}
			if err := ensureFeatureSet(exec, catalogueSet); err != nil {
				return err
			}
		}
		hist, err := c.Prepare(insertScoreSQL)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		defer hist.Close()
		latest, err := c.Prepare(upsertLatestSQL)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		defer latest.Close()
		h, l := hist.(*sqlite3.SQLiteStmt), latest.(*sqlite3.SQLiteStmt)
		ha := namedArgs(7)
		la := namedArgs(5)
		ha[6].Value = now
		bg := context.Background() // no goroutine per statement; cancellation is checked between rows
		for i, sc := range scores {
			if i%256 == 255 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			ha[0].Value, ha[1].Value, ha[2].Value, ha[3].Value = sc.Person, sc.Status, int64(sc.Score), string(sc.Band)
			ha[4].Value, ha[5].Value = sc.ModelVersion, sc.AsOf.UnixNano()
			res, err := h.ExecContext(bg, ha)
			if err != nil {
				return fmt.Errorf("sqlite: save score: %w", err)
			}
			seq, err := res.LastInsertId()
			if err != nil {
				return err
			}
			la[0].Value, la[1].Value, la[2].Value, la[3].Value = personKey(sc.Person), sc.Person, seq, rows[i].body
			la[4].Value = nil
			if rows[i].features != nil {
				la[4].Value = rows[i].features
			}
			if _, err := l.ExecContext(bg, la); err != nil {
				return fmt.Errorf("sqlite: save latest score: %w", err)
			}
		}
		if job != "" {
			if _, err := c.Exec(saveCheckpointSQL, []driver.Value{job, position, now}); err != nil {
				return fmt.Errorf("sqlite: checkpoint: %w", err)
			}
		}
		return nil
	})
}

// namedArgs returns n positional driver arguments.
func namedArgs(n int) []driver.NamedValue {
	a := make([]driver.NamedValue, n)
	for i := range a {
		a[i].Ordinal = i + 1
	}
	return a
}

// latestStmt prepares the latest-score read on first use, without the
// caller's context: a cancelled first request must not break every later one.
func (db *DB) latestStmt() (*sql.Stmt, error) {
	db.latestOnce.Do(func() {
		db.latestFull, db.latestErr = db.reader.PrepareContext(context.Background(), `SELECT body, features FROM score_latest WHERE person = ?`)
	})
	return db.latestFull, db.latestErr
}

// LatestScore returns the person's latest score or ENOTFOUND.
func (s *ScoreStore) LatestScore(ctx context.Context, person string) (*sesame.Score, error) {
	full, err := s.db.latestStmt()
	if err != nil {
		return nil, fmt.Errorf("sqlite: latest score: %w", err)
	}
	var body, features []byte
	err = full.QueryRowContext(ctx, person).Scan(&body, &features)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no score for person %q yet", person)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: latest score: %w", err)
	}
	sc := &sesame.Score{}
	if err := json.Unmarshal(body, sc); err != nil {
		return nil, fmt.Errorf("sqlite: latest score of %q: %w", person, err)
	}
	if sc.Features, err = s.db.featureSets.decode(ctx, s.db.reader, features); err != nil {
		return nil, fmt.Errorf("sqlite: latest score of %q: %w", person, err)
	}
	return sc, nil
}

// LatestScoreJSON returns the person's latest score as the API shows it,
// as stored, or ENOTFOUND.
func (s *ScoreStore) LatestScoreJSON(ctx context.Context, person string) ([]byte, error) {
	s.db.latestBodyOnce.Do(func() {
		s.db.latestBody, s.db.latestBodyErr = s.db.reader.PrepareContext(context.Background(), `SELECT body FROM score_latest WHERE person = ?`)
	})
	if s.db.latestBodyErr != nil {
		return nil, fmt.Errorf("sqlite: latest score: %w", s.db.latestBodyErr)
	}
	var body []byte
	err := s.db.latestBody.QueryRowContext(ctx, person).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no score for person %q yet", person)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: latest score: %w", err)
	}
	return body, nil
}

// ScoreHistory returns up to limit past scores, newest first.
func (s *ScoreStore) ScoreHistory(ctx context.Context, person string, limit int) ([]sesame.ScorePoint, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.ScoreHistoryBefore(ctx, person, 0, limit)
}

// ScoreHistoryBefore returns up to limit past scores older than seq
// before (0: from the newest), newest first.
func (s *ScoreStore) ScoreHistoryBefore(ctx context.Context, person string, before int64, limit int) ([]sesame.ScorePoint, error) {
	return sqlrow.ScoreHistoryBefore(ctx, s.db.q(), person, before, limit)
}

// SaveModel stores an artifact; saving the same version again changes nothing.
func (s *ScoreStore) SaveModel(ctx context.Context, info sesame.ModelInfo, artifact []byte) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		drift, err := sqlrow.EncodeDrift(info.Drift)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO models (version, kind, created_at, auc, note, registration_drift, artifact) VALUES (?,?,?,?,?,?,?)
			ON CONFLICT (version) DO NOTHING`, info.Version, info.Kind, info.CreatedAt.UnixNano(), info.AUC, info.Note, drift, artifact)
		return err
	})
}

// Models lists the stored versions, newest first.
func (s *ScoreStore) Models(ctx context.Context) ([]sesame.ModelInfo, error) {
	return sqlrow.Models(ctx, s.db.q())
}

// ModelArtifact returns a version's artifact.
func (s *ScoreStore) ModelArtifact(ctx context.Context, version string) ([]byte, error) {
	return sqlrow.ModelArtifact(ctx, s.db.q(), version)
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
	return sqlrow.ActiveModel(ctx, s.db.q())
}

const saveCheckpointSQL = `INSERT INTO checkpoints (job, position, updated_at) VALUES (?,?,?)
	ON CONFLICT (job) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`

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
		_, err := tx.ExecContext(ctx, saveCheckpointSQL, job, position, time.Now().UnixNano())
		return err
	})
}
