package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// NoticeFeed returns what notices of accesses, score changes and expiring
// consents are derived from (sesame.NoticeFeed).
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
	err := f.db.reader.QueryRowContext(ctx, `SELECT position FROM checkpoints WHERE job = ?`, feed).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		end, ok := feedEnd(feed)
		if !ok {
			return 0, sesame.Errorf(sesame.EINVALID, "feed: no feed %q", feed)
		}
		var n int64
		pool := f.db.reader
		if feed == "notices.access" {
			pool = f.db.accessR
		}
		if err := pool.QueryRowContext(ctx, end).Scan(&n); err != nil {
			return 0, err
		}
		return n, f.db.WriteTx(ctx, func(tx *sql.Tx) error { return setCursor(ctx, tx, feed, n) })
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(pos, 10, 64)
}

func setCursor(ctx context.Context, tx *sql.Tx, feed string, pos int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (job, position, updated_at) VALUES (?,?,?)
		ON CONFLICT (job) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
		feed, strconv.FormatInt(pos, 10), time.Now().UnixNano())
	return err
}

func (f noticeFeed) AccessAfter(ctx context.Context, after int64, limit int) ([]*sesame.AccessEntry, error) {
	return f.db.AccessLog().query(ctx, nil, `SELECT `+accessReadColumns+` FROM access_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
}

func (f noticeFeed) ScoreChangesAfter(ctx context.Context, after int64, limit int) ([]sesame.ScoreChange, error) {
	return sqlrow.ScoreChangesAfter(ctx, f.db.q(), after, limit)
}

func (f noticeFeed) ConsentsExpiring(ctx context.Context, from, to time.Time) ([]*sesame.Consent, error) {
	return sqlrow.ConsentsExpiring(ctx, f.db.q(), from, to)
}

// EnqueueNotices stores notices as enqueue does (a person's is delivered
// by being stored), skipping ids already stored.
func (f noticeFeed) EnqueueNotices(ctx context.Context, feed string, pos int64, ns []sesame.Notice) error {
	return f.db.WriteTx(ctx, func(tx *sql.Tx) error {
		for _, n := range ns {
			var delivered any
			if strings.HasPrefix(n.Recipient, "person:") {
				delivered = n.CreatedAt.UnixNano()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO notices (id, recipient, topic, body, created_at, next_attempt, delivered_at)
				VALUES (?,?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING`,
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
