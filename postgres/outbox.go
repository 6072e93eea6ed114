package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Outbox returns the store of notices and webhooks.
func (db *DB) Outbox() *OutboxStore { return &OutboxStore{db: db} }

// OutboxStore keeps notices (the transactional outbox) and webhooks: the
// same contract as package sqlite's.
type OutboxStore struct{ db *DB }

var _ sesame.Outbox = (*OutboxStore)(nil)

// Notices implements sesame.Outbox.
func (s *OutboxStore) Notices(ctx context.Context, recipient string, limit int) ([]sesame.Notice, error) {
	return s.NoticesAfter(ctx, recipient, sesame.Position{}, limit)
}

// NoticesAfter implements sesame.Outbox, starting at the position through
// the (recipient, created_at) index rather than skipping the newer ones.
func (s *OutboxStore) NoticesAfter(ctx context.Context, recipient string, after sesame.Position, limit int) ([]sesame.Notice, error) {
	q, args := `SELECT `+sqlrow.NoticeColumns+` FROM notices WHERE recipient = $1`, []any{recipient}
	if !after.IsZero() {
		q += ` AND created_at <= $2 AND (created_at < $2 OR id > $3)`
		args = append(args, ns(after.At), after.ID)
	}
	rows, err := s.db.pool.Query(ctx, q+fmt.Sprintf(` ORDER BY created_at DESC, id LIMIT $%d`, len(args)+1), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: notices: %w", err)
	}
	return sqlrow.Collect(rows, sqlrow.ScanNotice)
}

// Due implements sesame.Outbox.
func (s *OutboxStore) Due(ctx context.Context, now time.Time, limit int) ([]sesame.Notice, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+sqlrow.NoticeColumns+` FROM notices
		WHERE delivered_at IS NULL AND next_attempt > 0 AND next_attempt <= $1 AND recipient IN (SELECT recipient FROM webhooks)
		ORDER BY next_attempt, created_at LIMIT $2`, ns(now), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due notices: %w", err)
	}
	return sqlrow.Collect(rows, sqlrow.ScanNotice)
}

// Delivered implements sesame.Outbox.
func (s *OutboxStore) Delivered(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.pool.Exec(ctx, `UPDATE notices SET delivered_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2 AND delivered_at IS NULL`, ns(at), id)
	return err
}

// Failed implements sesame.Outbox.
func (s *OutboxStore) Failed(ctx context.Context, id string, next time.Time, reason string) error {
	var n int64
	if !next.IsZero() {
		n = ns(next)
	}
	_, err := s.db.pool.Exec(ctx, `UPDATE notices SET attempts = attempts + 1, next_attempt = $1, last_error = $2 WHERE id = $3 AND delivered_at IS NULL`, n, reason, id)
	return err
}

// SetWebhook implements sesame.Outbox.
func (s *OutboxStore) SetWebhook(ctx context.Context, w sesame.Webhook) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO webhooks (recipient, url, secret) VALUES ($1,$2,$3)
		ON CONFLICT (recipient) DO UPDATE SET url = excluded.url, secret = excluded.secret`, w.Recipient, w.URL, w.Secret)
	return err
}

// Webhook implements sesame.Outbox.
func (s *OutboxStore) Webhook(ctx context.Context, recipient string) (sesame.Webhook, error) {
	w := sesame.Webhook{Recipient: recipient}
	err := s.db.pool.QueryRow(ctx, `SELECT url, secret FROM webhooks WHERE recipient = $1`, recipient).Scan(&w.URL, &w.Secret)
	return w, notFound(err, "no webhook for %s", recipient)
}
