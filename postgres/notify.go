package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// NoticeFeed returns what notices of accesses, score changes and expiring
// consents are derived from (sesame.NoticeFeed).
//
// Score history's seq comes from a sequence, so two replicas' rescores
// may commit out of seq order; a row committed after the cursor passed
// its seq is not told of.
func (db *DB) NoticeFeed() sesame.NoticeFeed { return noticeFeed{db} }

type noticeFeed struct{ db *DB }

// feedEnd returns the query for where a feed never read starts: the end
// of its table now.
func feedEnd(feed string) (string, bool) {
	switch feed {
	case "notices.access":
		return `SELECT COALESCE(max(seq), 0) FROM access_log`, true
	case "notices.scores":
		return `SELECT COALESCE(max(seq), 0) FROM scores`, true
	}
	return "", false
}

// NoticeCursor keeps cursors as rows of checkpoints ("job" the feed).
func (f noticeFeed) NoticeCursor(ctx context.Context, feed string) (int64, error) {
	var pos string
	err := f.db.pool.QueryRow(ctx, `SELECT position FROM checkpoints WHERE job = $1`, feed).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		end, ok := feedEnd(feed)
		if !ok {
			return 0, sesame.Errorf(sesame.EINVALID, "feed: no feed %q", feed)
		}
		var n int64
		if err := f.db.pool.QueryRow(ctx, end).Scan(&n); err != nil {
			return 0, err
		}
		return n, f.db.Tx(ctx, func(tx pgx.Tx) error { return setCursor(ctx, tx, feed, n) })
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(pos, 10, 64)
}

func setCursor(ctx context.Context, tx pgx.Tx, feed string, pos int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO checkpoints (job, position, updated_at) VALUES ($1,$2,$3)
		ON CONFLICT (job) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
		feed, strconv.FormatInt(pos, 10), time.Now().UnixNano())
	return err
}

// AccessAfter reads only entries in the tree: seqs are drawn before their
// entries commit, so a later one can be seen before an earlier one, which
// a cursor past it would miss; the tree grows only over seqs in order.
func (f noticeFeed) AccessAfter(ctx context.Context, after int64, limit int) ([]*sesame.AccessEntry, error) {
	if err := f.db.extendTree(ctx); err != nil {
		return nil, err
	}
	rows, err := f.db.pool.Query(ctx, `SELECT `+accessReadColumns+` FROM access_log
		WHERE seq > $1 AND seq <= (`+treeSizeSQL+`) AND action <> '`+audit.VoidAction+`' ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, scanAccess)
}

func (f noticeFeed) ScoreChangesAfter(ctx context.Context, after int64, limit int) ([]sesame.ScoreChange, error) {
	return sqlrow.ScoreChangesAfter(ctx, f.db.q(), after, limit)
}

func (f noticeFeed) ConsentsExpiring(ctx context.Context, from, to time.Time) ([]*sesame.Consent, error) {
	return sqlrow.ConsentsExpiring(ctx, f.db.q(), from, to)
}

// EnqueueNotices stores notices (a person's is delivered by being stored),
// skipping ids already stored.
func (f noticeFeed) EnqueueNotices(ctx context.Context, feed string, pos int64, ns []sesame.Notice) error {
	return f.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockLedgerSharedSQL, int64(ledgerLock)); err != nil { // ordered with erasures (migration 292)
			return err
		}
		for _, n := range ns {
			var delivered *int64
			if strings.HasPrefix(n.Recipient, "person:") {
				at := n.CreatedAt.UnixNano()
				delivered = &at
			}
			if _, err := tx.Exec(ctx, `INSERT INTO notices (id, recipient, topic, body, created_at, next_attempt, delivered_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (id) DO NOTHING`,
				n.ID, n.Recipient, n.Topic, []byte(n.Body), n.CreatedAt.UnixNano(), n.CreatedAt.UnixNano(), delivered); err != nil {
				return err
			}
		}
		if feed == "" {
			return nil
		}
		return setCursor(ctx, tx, feed, pos)
	})
}
