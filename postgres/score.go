package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// ScoreStore implements sesame.ScoreStore, sesame.ModelStore and
// sesame.Checkpoints on PostgreSQL, with the same contract as package
// sqlite's (see scoretest).
type ScoreStore struct{ db *DB }

// Scores returns the score store of the database.
func (db *DB) Scores() *ScoreStore { return &ScoreStore{db: db} }

var (
	_ sesame.ScoreStore  = (*ScoreStore)(nil)
	_ sesame.ModelStore  = (*ScoreStore)(nil)
	_ sesame.Checkpoints = (*ScoreStore)(nil)
)

// saveScoreSQL appends one score to the history and makes it the person's
// latest in one statement. Replicas may refresh the same person at once:
// sequence numbers are taken in one order and commits land in another, so
// the latest row only moves forward (WHERE … seq <), never back to an older
// score that committed last.
const saveScoreSQL = `WITH h AS (
	INSERT INTO scores (person, status, score, band, model_version, as_of, computed_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq)
INSERT INTO score_latest (person, seq, body, features) SELECT $1, h.seq, $8, $9 FROM h
ON CONFLICT (person) DO UPDATE SET seq = excluded.seq, body = excluded.body, features = excluded.features
	WHERE score_latest.seq < excluded.seq`

// saveScoresBulkSQL is saveScoreSQL for many people at once, their rows as
// arrays: one statement rather than one per score, which is what a full
// rescore's chunk of thousands spent most of its time on. The seqs are
// drawn first, so that the latest rows need no join back to the history's.
const saveScoresBulkSQL = `WITH input AS MATERIALIZED (
	SELECT nextval(pg_get_serial_sequence('scores', 'seq')) AS seq, i.*
	FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bigint[], $8::bytea[], $9::bytea[])
		AS i(person, status, score, band, model_version, as_of, body, features)),
h AS (
	INSERT INTO scores (seq, person, status, score, band, model_version, as_of, computed_at)
	SELECT seq, person, status, score, band, model_version, as_of, $7 FROM input)
INSERT INTO score_latest (person, seq, body, features)
SELECT person, seq, body, features FROM input
ON CONFLICT (person) DO UPDATE SET seq = excluded.seq, body = excluded.body, features = excluded.features
	WHERE score_latest.seq < excluded.seq`

// bulkScores returns saveScoresBulkSQL's arguments, or nil when the scores
// are too few to gain or name someone twice (an upsert may not touch a row
// twice in one statement).
func bulkScores(p *preparedScores, now int64) []any {
	n := len(p.scores)
	if n < 2 {
		return nil
	}
	seen := make(map[string]bool, n)
	people, statuses, bands, versions := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	points, asOf := make([]int32, n), make([]int64, n)
	for i, sc := range p.scores {
		if seen[sc.Person] {
			return nil
		}
		seen[sc.Person] = true
		people[i], statuses[i], bands[i], versions[i] = sc.Person, string(sc.Status), string(sc.Band), sc.ModelVersion
		points[i], asOf[i] = int32(sc.Score), sc.AsOf.UnixNano()
	}
	return []any{people, statuses, points, bands, versions, asOf, now, p.bodies, p.feats}
}

// SaveScores appends each score to the history and makes it the latest, in
// one transaction; the statements go in one pipelined round trip.
func (s *ScoreStore) SaveScores(ctx context.Context, scores []*sesame.Score) error {
	if len(scores) == 0 {
		return nil
	}
	p, err := prepareScores(scores)
	if err != nil {
		return err
	}
	return s.save(ctx, p, "", "")
}

// preparedScores are scores encoded as their rows (sesame.PreparedScores).
type preparedScores struct {
	scores        []*sesame.Score
	bodies, feats [][]byte
}

func (p *preparedScores) Len() int { return len(p.scores) }

func prepareScores(scores []*sesame.Score) (*preparedScores, error) {
	p := &preparedScores{scores: scores, bodies: make([][]byte, len(scores)), feats: make([][]byte, len(scores))}
	for i, sc := range scores {
		body, err := sesame.AppendScoreJSON(nil, sc)
		if err != nil {
			return nil, sesame.Errorf(sesame.EINVALID, "%v", err)
		}
		p.bodies[i] = body
		if sc.Features != nil {
			p.feats[i] = sesame.AppendFeatures(nil, sc.Features)
		}
	}
	return p, nil
}

// PrepareScores encodes scores for SaveChunk on the calling goroutine.
func (s *ScoreStore) PrepareScores(scores []*sesame.Score) (sesame.PreparedScores, error) {
	return prepareScores(scores)
}

// SaveChunk stores prepared scores and the job's checkpoint in one
// transaction.
func (s *ScoreStore) SaveChunk(ctx context.Context, p sesame.PreparedScores, job, position string) error {
	ps, ok := p.(*preparedScores)
	if !ok {
		return fmt.Errorf("postgres: SaveChunk: scores prepared by %T, not this store", p)
	}
	if job == "" {
		return errors.New("postgres: SaveChunk: no job to checkpoint")
	}
	return s.save(ctx, ps, job, position)
}

// save writes the scores and, when job is set, the job's position, in one
// transaction.
func (s *ScoreStore) save(ctx context.Context, p *preparedScores, job, position string) error {
	now := time.Now().UnixNano()
	batch := &pgx.Batch{}
	batch.Queue(lockLedgerSharedSQL, int64(ledgerLock)) // ordered with erasures (migration 291)
	if bulk := bulkScores(p, now); bulk != nil {
		batch.Queue(saveScoresBulkSQL, bulk...)
	} else {
		for i, sc := range p.scores {
			batch.Queue(saveScoreSQL, sc.Person, sc.Status, sc.Score, string(sc.Band), sc.ModelVersion, sc.AsOf.UnixNano(), now, p.bodies[i], p.feats[i])
		}
	}
	if job != "" {
		batch.Queue(saveCheckpointSQL, job, escapePosition(position), now)
	}
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return fmt.Errorf("postgres: save scores: %w", err)
		}
		return nil
	})
}

// LatestScore returns the person's latest score or ENOTFOUND.
func (s *ScoreStore) LatestScore(ctx context.Context, person string) (*sesame.Score, error) {
	var body, features []byte
	err := s.db.pool.QueryRow(ctx, `SELECT body, features FROM score_latest WHERE person = $1`, person).Scan(&body, &features)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no score for person %q yet", person)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: latest score: %w", err)
	}
	sc, err := decodeLatest(body, features)
	if err != nil {
		return nil, fmt.Errorf("postgres: latest score of %q: %w", person, err)
	}
	return sc, nil
}

// decodeLatest reads a score_latest row back into a score.
func decodeLatest(body, features []byte) (*sesame.Score, error) {
	sc := &sesame.Score{}
	if err := json.Unmarshal(body, sc); err != nil {
		return nil, err
	}
	var err error
	sc.Features, err = sesame.DecodeFeatures(features)
	return sc, err
}

// LatestScoreJSON returns the person's latest score as the API shows it,
// as stored (http.ScoreJSONReader), or ENOTFOUND.
func (s *ScoreStore) LatestScoreJSON(ctx context.Context, person string) ([]byte, error) {
	var body []byte
	err := s.db.pool.QueryRow(ctx, `SELECT body FROM score_latest WHERE person = $1`, person).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no score for person %q yet", person)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: latest score: %w", err)
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
	drift, err := sqlrow.EncodeDrift(info.Drift)
	if err != nil {
		return err
	}
	_, err = s.db.pool.Exec(ctx, `INSERT INTO models (version, kind, created_at, auc, note, registration_drift, artifact) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (version) DO NOTHING`, info.Version, info.Kind, info.CreatedAt.UnixNano(), info.AUC, info.Note, drift, artifact)
	if err != nil {
		return fmt.Errorf("postgres: save model: %w", err)
	}
	return nil
}

// Models lists the stored versions, newest first.
func (s *ScoreStore) Models(ctx context.Context) ([]sesame.ModelInfo, error) {
	return sqlrow.Models(ctx, s.db.q())
}

// ModelArtifact returns a version's artifact.
func (s *ScoreStore) ModelArtifact(ctx context.Context, version string) ([]byte, error) {
	return sqlrow.ModelArtifact(ctx, s.db.q(), version)
}

// ActivateModel makes version the only active model. The registry's lock
// serialises activations from several replicas, so the one-active index
// never turns a race into an error.
func (s *ScoreStore) ActivateModel(ctx context.Context, version string) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE models IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM models WHERE version = $1`, version).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "no model version %q", version)
		}
		if _, err := tx.Exec(ctx, `UPDATE models SET active = false WHERE active`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE models SET active = true WHERE version = $1`, version)
		return err
	})
}

// ActiveModel returns the active model or EUNAVAILABLE.
func (s *ScoreStore) ActiveModel(ctx context.Context) (sesame.ModelInfo, []byte, error) {
	return sqlrow.ActiveModel(ctx, s.db.q())
}

// Checkpoint returns the saved position of job ("" when none).
func (s *ScoreStore) Checkpoint(ctx context.Context, job string) (string, error) {
	var p string
	err := s.db.pool.QueryRow(ctx, `SELECT position FROM checkpoints WHERE job = $1`, job).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return unescapePosition(p), nil
}

// SaveCheckpoint records the position of job; "" clears it.
func (s *ScoreStore) SaveCheckpoint(ctx context.Context, job, position string) error {
	if position == "" {
		_, err := s.db.pool.Exec(ctx, `DELETE FROM checkpoints WHERE job = $1`, job)
		return err
	}
	_, err := s.db.pool.Exec(ctx, saveCheckpointSQL, job, escapePosition(position), time.Now().UnixNano())
	return err
}

// A snapshot rescore's position is "person NUL seq" (package score), and a
// TEXT column refuses NUL: positions are stored with NUL as `\0` and a
// backslash as `\\`, which person ids (any text) cannot be confused with.
var (
	positionEscaper   = strings.NewReplacer(`\`, `\\`, "\x00", `\0`)
	positionUnescaper = strings.NewReplacer(`\\`, `\`, `\0`, "\x00")
)

func escapePosition(p string) string   { return positionEscaper.Replace(p) }
func unescapePosition(p string) string { return positionUnescaper.Replace(p) }

const saveCheckpointSQL = `INSERT INTO checkpoints (job, position, updated_at) VALUES ($1, $2, $3)
	ON CONFLICT (job) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`

// ScoredPeople calls fn with every person's latest score, in person order:
// the population a policy backtest runs over.
func (s *ScoreStore) ScoredPeople(ctx context.Context, fn func(sc *sesame.Score) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT body, features FROM score_latest ORDER BY person`)
	if err != nil {
		return fmt.Errorf("postgres: scored people: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var body, features []byte
		if err := rows.Scan(&body, &features); err != nil {
			return err
		}
		sc, err := decodeLatest(body, features)
		if err != nil {
			return fmt.Errorf("postgres: scored people: %w", err)
		}
		if err := fn(sc); err != nil {
			return err
		}
	}
	return rows.Err()
}
