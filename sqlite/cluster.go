package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Cluster returns the store of what makes servers on this database one
// deployment: change epochs, leases, the full rescore's queue and the
// people pending a rescore (migration 150). On SQLite there is one server,
// so it is the same code as on PostgreSQL with one worker.
func (db *DB) Cluster() *ClusterStore { return &ClusterStore{db: db} }

// ClusterStore implements sesame.ChangeFeed, sesame.RescoreQueue and
// sesame.PendingRescores on SQLite.
type ClusterStore struct{ db *DB }

var (
	_ sesame.ChangeFeed      = (*ClusterStore)(nil)
	_ sesame.RescoreQueue    = (*ClusterStore)(nil)
	_ sesame.PendingRescores = (*ClusterStore)(nil)
)

// Epochs returns each topic's epoch (bumped by the triggers of migration 150).
func (s *ClusterStore) Epochs(ctx context.Context) (map[string]int64, error) {
	out, err := sqlrow.Epochs(ctx, s.db.q())
	if err != nil {
		return nil, fmt.Errorf("sqlite: epochs: %w", err)
	}
	return out, nil
}

// Listen returns at once: SQLite has no push, and the one process that
// serves a file polls its epochs.
func (s *ClusterStore) Listen(ctx context.Context, wake func()) error { return nil }

// AcquireLease takes or renews the named lease.
func (s *ClusterStore) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now().UnixNano()
	var got string
	err := s.db.writer.QueryRowContext(ctx, `INSERT INTO cluster_leases (name, holder, expires_at) VALUES (?,?,?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE cluster_leases.holder = excluded.holder OR cluster_leases.expires_at < ?
		RETURNING holder`, name, holder, now+int64(ttl), now).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: lease %s: %w", name, err)
	}
	return got == holder, nil
}

// RescoreDue moves the schedule forward when it is due.
func (s *ClusterStore) RescoreDue(ctx context.Context, name string, every time.Duration, now time.Time) (bool, error) {
	due := false
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		var next int64
		err := tx.QueryRowContext(ctx, `SELECT next_at FROM rescore_schedule WHERE name = ?`, name).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.ExecContext(ctx, `INSERT INTO rescore_schedule (name, next_at) VALUES (?,?)`, name, now.Add(every).UnixNano())
			return err
		}
		if err != nil {
			return err
		}
		if next > now.Add(every).UnixNano() {
			// A shortened period takes effect now, not after the old one.
			_, err = tx.ExecContext(ctx, `UPDATE rescore_schedule SET next_at = ? WHERE name = ?`, now.Add(every).UnixNano(), name)
			return err
		}
		if next > now.UnixNano() {
			return nil
		}
		due = true
		_, err = tx.ExecContext(ctx, `UPDATE rescore_schedule SET next_at = ? WHERE name = ?`, now.Add(every).UnixNano(), name)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: rescore schedule: %w", err)
	}
	return due, nil
}

// PersonBounds cuts the ledger's people, in byte order, every size people.
func (s *ClusterStore) PersonBounds(ctx context.Context, size int) ([]string, error) {
	if size < 1 {
		size = 1
	}
	rows, err := s.db.reader.QueryContext(ctx, `SELECT person FROM (
		SELECT person, row_number() OVER (ORDER BY person) AS rn FROM (SELECT DISTINCT person FROM events))
		WHERE rn % ? = 0 ORDER BY person`, size)
	if err != nil {
		return nil, fmt.Errorf("sqlite: person bounds: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// StartRun stores a run and its ranges.
func (s *ClusterStore) StartRun(ctx context.Context, run sesame.RescoreRun, bounds []string) (int64, error) {
	var id int64
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO rescore_runs (reason, model_version, ledger_end, created_at) VALUES (?,?,?,?) RETURNING id`,
			run.Reason, run.ModelVersion, run.LedgerEnd, run.CreatedAt.UnixNano()).Scan(&id)
		if err != nil {
			return err
		}
		after := ""
		for n := 0; n <= len(bounds); n++ {
			through := ""
			if n < len(bounds) {
				through = bounds[n]
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO rescore_ranges (run, n, after, through) VALUES (?,?,?,?)`, id, n, after, through); err != nil {
				return err
			}
			after = through
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: start rescore run: %w", err)
	}
	return id, nil
}

// ClaimRange claims the first open range of the oldest unfinished run.
func (s *ClusterStore) ClaimRange(ctx context.Context, holder string, ttl time.Duration) (sesame.RescoreRange, bool, error) {
	now := time.Now().UnixNano()
	var r sesame.RescoreRange
	err := s.db.writer.QueryRowContext(ctx, `UPDATE rescore_ranges SET holder = ?, claim_until = ?
		WHERE (run, n) = (SELECT g.run, g.n FROM rescore_ranges g JOIN rescore_runs u ON u.id = g.run
			WHERE g.done_at IS NULL AND u.finished_at IS NULL AND g.claim_until < ? ORDER BY g.run, g.n LIMIT 1)
		RETURNING run, n, after, through`, holder, now+int64(ttl), now).Scan(&r.Run, &r.N, &r.After, &r.Through)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("sqlite: claim rescore range: %w", err)
	}
	if err := s.db.reader.QueryRowContext(ctx, `SELECT model_version, ledger_end FROM rescore_runs WHERE id = ?`, r.Run).Scan(&r.ModelVersion, &r.LedgerEnd); err != nil {
		return r, false, fmt.Errorf("sqlite: claim rescore range: %w", err)
	}
	return r, true, nil
}

// RenewRange extends holder's claim.
func (s *ClusterStore) RenewRange(ctx context.Context, r sesame.RescoreRange, holder string, ttl time.Duration) error {
	res, err := s.db.writer.ExecContext(ctx, `UPDATE rescore_ranges SET claim_until = ? WHERE run = ? AND n = ? AND holder = ? AND done_at IS NULL`,
		time.Now().Add(ttl).UnixNano(), r.Run, r.N, holder)
	if err != nil {
		return fmt.Errorf("sqlite: renew rescore range: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sesame.Errorf(sesame.ECONFLICT, "rescore range %d/%d is no longer held by %s", r.Run, r.N, holder)
	}
	return nil
}

// FinishRange marks the range done, and its run when it was the last.
func (s *ClusterStore) FinishRange(ctx context.Context, r sesame.RescoreRange, holder string, res0 sesame.RangeResult) (bool, error) {
	done := false
	var drift any
	if res0.Drift != nil {
		drift = string(res0.Drift)
	}
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		now := time.Now().UnixNano()
		res, err := tx.ExecContext(ctx, `UPDATE rescore_ranges SET done_at = ?, people = ?, scored = ?, insufficient = ?, drift = ?
			WHERE run = ? AND n = ? AND holder = ? AND done_at IS NULL`,
			now, res0.People, res0.Scored, res0.Insufficient, drift, r.Run, r.N, holder)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sesame.Errorf(sesame.ECONFLICT, "rescore range %d/%d is no longer held by %s", r.Run, r.N, holder)
		}
		res, err = tx.ExecContext(ctx, `UPDATE rescore_runs SET finished_at = ? WHERE id = ? AND finished_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM rescore_ranges WHERE run = ? AND done_at IS NULL)`, now, r.Run, r.Run)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		done = n == 1
		return nil
	})
	if err != nil && sesame.ErrorCode(err) != sesame.ECONFLICT {
		err = fmt.Errorf("sqlite: finish rescore range: %w", err)
	}
	return done, err
}

// RescoreRuns returns the latest runs with their progress.
func (s *ClusterStore) RescoreRuns(ctx context.Context, limit int) ([]sesame.RescoreRun, error) {
	out, err := sqlrow.RescoreRuns(ctx, s.db.q(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: rescore runs: %w", err)
	}
	return out, nil
}

// RangeDrifts returns the drift counts of the run's finished ranges.
func (s *ClusterStore) RangeDrifts(ctx context.Context, run int64) ([][]byte, error) {
	out, err := sqlrow.RangeDrifts(ctx, s.db.q(), run)
	if err != nil {
		return nil, fmt.Errorf("sqlite: range drifts: %w", err)
	}
	return out, nil
}

// SaveRunDrift records the drift measured over the run.
func (s *ClusterStore) SaveRunDrift(ctx context.Context, run int64, drift []byte) error {
	if _, err := s.db.writer.ExecContext(ctx, `UPDATE rescore_runs SET drift = ? WHERE id = ?`, string(drift), run); err != nil {
		return fmt.Errorf("sqlite: save run drift: %w", err)
	}
	return nil
}

// PruneRuns deletes the finished runs older than the newest keep (their
// ranges go with them: ON DELETE CASCADE).
func (s *ClusterStore) PruneRuns(ctx context.Context, keep int) (int, error) {
	res, err := s.db.writer.ExecContext(ctx, `DELETE FROM rescore_runs WHERE finished_at IS NOT NULL
		AND id < (SELECT min(id) FROM (SELECT id FROM rescore_runs ORDER BY id DESC LIMIT ?))`, max(keep, 1))
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune rescore runs: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// pendingJob is the checkpoint holding the ledger position up to which
// people were rescored after their events: everyone with events after it
// is pending. The single writer assigns seq in commit order, so no event
// commits behind the position.
const pendingJob = "rescore.pending"

// pendingWindow bounds how many events one claim covers.
const pendingWindow = 50000

// ClaimPending returns the people with events after the pending position.
// One process serves a SQLite file, so a claim needs no holder: it is
// marked done by moving the position (FinishPending).
func (s *ClusterStore) ClaimPending(ctx context.Context, holder string, max int, ttl time.Duration) (sesame.PendingClaim, error) {
	var c sesame.PendingClaim
	from, err := s.pendingPosition(ctx)
	if err != nil {
		return c, err
	}
	end, err := s.db.events.LedgerEnd(ctx)
	if err != nil {
		return c, err
	}
	if end <= from || max <= 0 {
		return c, nil
	}
	to := min(end, from+pendingWindow)
	rows, err := s.db.reader.QueryContext(ctx, `SELECT DISTINCT person FROM events WHERE seq > ? AND seq <= ?`, from, to)
	if err != nil {
		return c, fmt.Errorf("sqlite: pending rescores: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return c, err
		}
		c.People = append(c.People, p)
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	c.Through = to
	var oldest int64
	if err := s.db.reader.QueryRowContext(ctx, `SELECT recorded_at FROM events WHERE seq > ? ORDER BY seq LIMIT 1`, from).Scan(&oldest); err == nil {
		c.Oldest = time.Unix(0, oldest)
	}
	return c, nil
}

func (s *ClusterStore) pendingPosition(ctx context.Context) (int64, error) {
	var pos string
	err := s.db.reader.QueryRowContext(ctx, `SELECT position FROM checkpoints WHERE job = ?`, pendingJob).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		// The first server on this file starts at the ledger's end: what
		// was loaded before it is scored by a full rescore (sesame
		// rescore, or the scheduled one), as it always was.
		end, err := s.db.events.LedgerEnd(ctx)
		if err != nil {
			return 0, err
		}
		_, err = s.db.writer.ExecContext(ctx, `INSERT INTO checkpoints (job, position, updated_at) VALUES (?,?,?) ON CONFLICT (job) DO NOTHING`,
			pendingJob, strconv.FormatInt(end, 10), time.Now().UnixNano())
		return end, err
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: pending position: %w", err)
	}
	return strconv.ParseInt(pos, 10, 64)
}

// FinishPending moves the pending position past the claim (never back).
func (s *ClusterStore) FinishPending(ctx context.Context, c sesame.PendingClaim) error {
	if c.Through == 0 {
		return nil
	}
	_, err := s.db.writer.ExecContext(ctx, `UPDATE checkpoints SET position = ?, updated_at = ? WHERE job = ? AND CAST(position AS INTEGER) < ?`,
		strconv.FormatInt(c.Through, 10), time.Now().UnixNano(), pendingJob, c.Through)
	if err != nil {
		return fmt.Errorf("sqlite: finish pending rescores: %w", err)
	}
	return nil
}
