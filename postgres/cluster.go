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

// Cluster returns the store of what makes replicas on this database one
// deployment: change epochs with LISTEN/NOTIFY, leases, the full rescore's
// work queue and the people pending a rescore (migration 150).
func (db *DB) Cluster() *ClusterStore { return &ClusterStore{db: db} }

// ClusterStore implements sesame.ChangeFeed, sesame.RescoreQueue and
// sesame.PendingRescores on PostgreSQL.
type ClusterStore struct{ db *DB }

var (
	_ sesame.ChangeFeed      = (*ClusterStore)(nil)
	_ sesame.RescoreQueue    = (*ClusterStore)(nil)
	_ sesame.PendingRescores = (*ClusterStore)(nil)
)

// changesChannel is the NOTIFY channel of migration 150's triggers.
const changesChannel = "sesame_changes"

// Epochs returns each topic's epoch (bumped by the triggers of migration 150).
func (s *ClusterStore) Epochs(ctx context.Context) (map[string]int64, error) {
	out, err := sqlrow.Epochs(ctx, s.db.q())
	if err != nil {
		return nil, fmt.Errorf("postgres: epochs: %w", err)
	}
	return out, nil
}

// Listen holds one connection LISTENing on the changes channel and calls
// wake on every notification, until ctx ends. It returns the connection's
// error when it drops (the caller reconnects; its epoch poll covers the gap).
func (s *ClusterStore) Listen(ctx context.Context, wake func()) error {
	conn, err := s.db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: listen: %w", err)
	}
	// A connection that LISTENed must not go back to the pool still
	// subscribed: hijack it and close it when done.
	c := conn.Hijack()
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, `LISTEN `+changesChannel); err != nil {
		return fmt.Errorf("postgres: listen: %w", err)
	}
	// Changes committed before LISTEN took effect are seen by the caller's
	// next poll; wake once so that it polls now.
	wake()
	for {
		if _, err := c.WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("postgres: listen: %w", err)
		}
		wake()
	}
}

// AcquireLease takes or renews the named lease.
func (s *ClusterStore) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now().UnixNano()
	var got string
	err := s.db.pool.QueryRow(ctx, `INSERT INTO cluster_leases (name, holder, expires_at) VALUES ($1,$2,$3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE cluster_leases.holder = excluded.holder OR cluster_leases.expires_at < $4
		RETURNING holder`, name, holder, now+int64(ttl), now).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: lease %s: %w", name, err)
	}
	return got == holder, nil
}

// RescoreDue moves the schedule forward when it is due; the row lock makes
// one caller of several win each period.
func (s *ClusterStore) RescoreDue(ctx context.Context, name string, every time.Duration, now time.Time) (bool, error) {
	next := now.Add(every).UnixNano()
	if _, err := s.db.pool.Exec(ctx, `INSERT INTO rescore_schedule (name, next_at) VALUES ($1,$2) ON CONFLICT (name) DO NOTHING`, name, next); err != nil {
		return false, fmt.Errorf("postgres: rescore schedule: %w", err)
	}
	// A shortened period takes effect now, not after the old one.
	if _, err := s.db.pool.Exec(ctx, `UPDATE rescore_schedule SET next_at = $1 WHERE name = $2 AND next_at > $1`, next, name); err != nil {
		return false, fmt.Errorf("postgres: rescore schedule: %w", err)
	}
	tag, err := s.db.pool.Exec(ctx, `UPDATE rescore_schedule SET next_at = $1 WHERE name = $2 AND next_at <= $3`, next, name, now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("postgres: rescore schedule: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// PersonBounds cuts the ledger's people, in byte order (COLLATE "C", as the
// batch scans read them), every size people.
func (s *ClusterStore) PersonBounds(ctx context.Context, size int) ([]string, error) {
	if size < 1 {
		size = 1
	}
	rows, err := s.db.pool.Query(ctx, `SELECT person FROM (
		SELECT person, row_number() OVER (ORDER BY person COLLATE "C") AS rn FROM (SELECT DISTINCT person FROM events) d) x
		WHERE rn % $1 = 0 ORDER BY person COLLATE "C"`, size)
	if err != nil {
		return nil, fmt.Errorf("postgres: person bounds: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: person bounds: %w", err)
	}
	return out, nil
}

// StartRun stores a run and its ranges in one transaction.
func (s *ClusterStore) StartRun(ctx context.Context, run sesame.RescoreRun, bounds []string) (int64, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO rescore_runs (reason, model_version, ledger_end, created_at) VALUES ($1,$2,$3,$4) RETURNING id`,
			run.Reason, run.ModelVersion, run.LedgerEnd, run.CreatedAt.UnixNano()).Scan(&id)
		if err != nil {
			return err
		}
		afters := make([]string, len(bounds)+1)
		throughs := make([]string, len(bounds)+1)
		ns := make([]int32, len(bounds)+1)
		for n := range afters {
			ns[n] = int32(n)
			if n > 0 {
				afters[n] = bounds[n-1]
			}
			if n < len(bounds) {
				throughs[n] = bounds[n]
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO rescore_ranges (run, n, after, through)
			SELECT $1, n, a, t FROM unnest($2::int[], $3::text[], $4::text[]) AS u(n, a, t)`, id, ns, afters, throughs)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: start rescore run: %w", err)
	}
	return id, nil
}

// ClaimRange claims an open range of the oldest unfinished run; SKIP
// LOCKED lets replicas claim side by side without waiting on each other.
func (s *ClusterStore) ClaimRange(ctx context.Context, holder string, ttl time.Duration) (sesame.RescoreRange, bool, error) {
	now := time.Now().UnixNano()
	var r sesame.RescoreRange
	err := s.db.pool.QueryRow(ctx, `WITH next AS (
			SELECT g.run, g.n FROM rescore_ranges g JOIN rescore_runs u ON u.id = g.run
			WHERE g.done_at IS NULL AND u.finished_at IS NULL AND g.claim_until < $3
			ORDER BY g.run, g.n LIMIT 1 FOR UPDATE OF g SKIP LOCKED)
		UPDATE rescore_ranges g SET holder = $1, claim_until = $2 FROM next, rescore_runs u
		WHERE g.run = next.run AND g.n = next.n AND u.id = g.run
		RETURNING g.run, g.n, g.after, g.through, u.model_version, u.ledger_end`, holder, now+int64(ttl), now).
		Scan(&r.Run, &r.N, &r.After, &r.Through, &r.ModelVersion, &r.LedgerEnd)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("postgres: claim rescore range: %w", err)
	}
	return r, true, nil
}

// RenewRange extends holder's claim.
func (s *ClusterStore) RenewRange(ctx context.Context, r sesame.RescoreRange, holder string, ttl time.Duration) error {
	tag, err := s.db.pool.Exec(ctx, `UPDATE rescore_ranges SET claim_until = $1 WHERE run = $2 AND n = $3 AND holder = $4 AND done_at IS NULL`,
		time.Now().Add(ttl).UnixNano(), r.Run, r.N, holder)
	if err != nil {
		return fmt.Errorf("postgres: renew rescore range: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return sesame.Errorf(sesame.ECONFLICT, "rescore range %d/%d is no longer held by %s", r.Run, r.N, holder)
	}
	return nil
}

// FinishRange marks the range done, and its run when it was the last. The
// run's row is locked first so that two replicas finishing its last two
// ranges together cannot both see the other's as open.
func (s *ClusterStore) FinishRange(ctx context.Context, r sesame.RescoreRange, holder string, res sesame.RangeResult) (bool, error) {
	done := false
	var drift *string
	if res.Drift != nil {
		d := string(res.Drift)
		drift = &d
	}
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		now := time.Now().UnixNano()
		if _, err := tx.Exec(ctx, `SELECT 1 FROM rescore_runs WHERE id = $1 FOR UPDATE`, r.Run); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE rescore_ranges SET done_at = $1, people = $2, scored = $6, insufficient = $7, drift = $8
			WHERE run = $3 AND n = $4 AND holder = $5 AND done_at IS NULL`,
			now, res.People, r.Run, r.N, holder, res.Scored, res.Insufficient, drift)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return sesame.Errorf(sesame.ECONFLICT, "rescore range %d/%d is no longer held by %s", r.Run, r.N, holder)
		}
		tag, err = tx.Exec(ctx, `UPDATE rescore_runs SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM rescore_ranges WHERE run = $2 AND done_at IS NULL)`, now, r.Run)
		if err != nil {
			return err
		}
		done = tag.RowsAffected() == 1
		return nil
	})
	if err != nil && sesame.ErrorCode(err) != sesame.ECONFLICT {
		err = fmt.Errorf("postgres: finish rescore range: %w", err)
	}
	return done, err
}

// RescoreRuns returns the latest runs with their progress.
func (s *ClusterStore) RescoreRuns(ctx context.Context, limit int) ([]sesame.RescoreRun, error) {
	out, err := sqlrow.RescoreRuns(ctx, s.db.q(), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: rescore runs: %w", err)
	}
	return out, nil
}

// RangeDrifts returns the drift counts of the run's finished ranges.
func (s *ClusterStore) RangeDrifts(ctx context.Context, run int64) ([][]byte, error) {
	out, err := sqlrow.RangeDrifts(ctx, s.db.q(), run)
	if err != nil {
		return nil, fmt.Errorf("postgres: range drifts: %w", err)
	}
	return out, nil
}

// SaveRunDrift records the drift measured over the run.
func (s *ClusterStore) SaveRunDrift(ctx context.Context, run int64, drift []byte) error {
	if _, err := s.db.pool.Exec(ctx, `UPDATE rescore_runs SET drift = $1 WHERE id = $2`, string(drift), run); err != nil {
		return fmt.Errorf("postgres: save run drift: %w", err)
	}
	return nil
}

// PruneRuns deletes the finished runs older than the newest keep (their
// ranges go with them: ON DELETE CASCADE).
func (s *ClusterStore) PruneRuns(ctx context.Context, keep int) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM rescore_runs WHERE finished_at IS NOT NULL
		AND id < (SELECT min(id) FROM (SELECT id FROM rescore_runs ORDER BY id DESC LIMIT $1) newest)`, max(keep, 1))
	if err != nil {
		return 0, fmt.Errorf("postgres: prune rescore runs: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ClaimPending claims up to max pending people nobody holds (or whose
// claim expired), oldest first, with their generations.
//
// The first call on a database starts the pending people afresh: events
// loaded before any server ran (sesame ingest, then sesame rescore) are
// scored by a full rescore, as on SQLite.
func (s *ClusterStore) ClaimPending(ctx context.Context, holder string, max int, ttl time.Duration) (sesame.PendingClaim, error) {
	now := time.Now().UnixNano()
	var c sesame.PendingClaim
	if max <= 0 {
		err := s.db.Tx(ctx, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `INSERT INTO checkpoints (job, position, updated_at) VALUES ('rescore.pending', 'started', $1) ON CONFLICT (job) DO NOTHING`, now)
			if err != nil || tag.RowsAffected() == 0 {
				return err
			}
			_, err = tx.Exec(ctx, `DELETE FROM rescore_pending`)
			return err
		})
		if err != nil {
			return c, fmt.Errorf("postgres: start pending rescores: %w", err)
		}
		return c, nil
	}
	rows, err := s.db.pool.Query(ctx, `WITH next AS (
			SELECT person FROM rescore_pending WHERE claim_until < $3
			ORDER BY since LIMIT $4 FOR UPDATE SKIP LOCKED)
		UPDATE rescore_pending p SET holder = $1, claim_until = $2 FROM next WHERE p.person = next.person
		RETURNING p.person, p.gen, p.since`, holder, now+int64(ttl), now, max)
	if err != nil {
		return c, fmt.Errorf("postgres: claim pending rescores: %w", err)
	}
	var p string
	var gen, since int64
	_, err = pgx.ForEachRow(rows, []any{&p, &gen, &since}, func() error {
		c.People = append(c.People, p)
		c.Marks = append(c.Marks, gen)
		if t := time.Unix(0, since); c.Oldest.IsZero() || t.Before(c.Oldest) {
			c.Oldest = t
		}
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("postgres: claim pending rescores: %w", err)
	}
	return c, nil
}

// FinishPending deletes the claimed people whose generation is unchanged
// and releases the others (newer events arrived while they were scored) for
// the next claim. Rows are locked in person order, as the ledger's trigger
// upserts them, so the two never deadlock.
func (s *ClusterStore) FinishPending(ctx context.Context, c sesame.PendingClaim) error {
	if len(c.People) == 0 {
		return nil
	}
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM rescore_pending WHERE person = ANY($1) ORDER BY person COLLATE "C" FOR UPDATE`, c.People); err != nil {
			return fmt.Errorf("postgres: finish pending rescores: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM rescore_pending p USING unnest($1::text[], $2::bigint[]) AS d(person, gen)
			WHERE p.person = d.person AND p.gen = d.gen`, c.People, c.Marks); err != nil {
			return fmt.Errorf("postgres: finish pending rescores: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE rescore_pending SET claim_until = 0 WHERE person = ANY($1)`, c.People); err != nil {
			return fmt.Errorf("postgres: finish pending rescores: %w", err)
		}
		return nil
	})
}
