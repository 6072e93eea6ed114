package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// Outbox returns the store of notices and webhooks.
func (db *DB) Outbox() *OutboxStore { return &OutboxStore{db: db} }

// OutboxStore keeps notices (the transactional outbox) and webhooks.
type OutboxStore struct{ db *DB }

var _ sesame.Outbox = (*OutboxStore)(nil)

// enqueue writes a notice in tx, the transaction of the change it tells
// of. A person's notice is delivered by being stored: it is their inbox.
func enqueue(ctx context.Context, tx *sql.Tx, recipient, topic string, body any, at time.Time) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var id [16]byte
	rand.Read(id[:])
	var delivered any
	if strings.HasPrefix(recipient, "person:") {
		delivered = at.UnixNano()
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO notices (id, recipient, topic, body, created_at, next_attempt, delivered_at) VALUES (?,?,?,?,?,?,?)`,
		"ntc_"+hex.EncodeToString(id[:]), recipient, topic, b, at.UnixNano(), at.UnixNano(), delivered)
	return err
}

const noticeColumns = `id, recipient, topic, body, created_at, attempts, next_attempt, delivered_at, last_error`

func scanNotices(rows *sql.Rows) ([]sesame.Notice, error) {
	defer rows.Close()
	var out []sesame.Notice
	for rows.Next() {
		var n sesame.Notice
		var created, next int64
		var delivered sql.NullInt64
		var body []byte
		if err := rows.Scan(&n.ID, &n.Recipient, &n.Topic, &body, &created, &n.Attempts, &next, &delivered, &n.LastError); err != nil {
			return nil, err
		}
		n.Body, n.CreatedAt, n.NextAttempt = json.RawMessage(body), time.Unix(0, created).UTC(), time.Unix(0, next).UTC()
		if delivered.Valid {
			n.DeliveredAt = time.Unix(0, delivered.Int64).UTC()
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Notices implements sesame.Outbox.
func (s *OutboxStore) Notices(ctx context.Context, recipient string, limit int) ([]sesame.Notice, error) {
	return s.NoticesAfter(ctx, recipient, sesame.Position{}, limit)
}

// NoticesAfter implements sesame.Outbox, starting at the position through
// the (recipient, created_at) index rather than skipping the newer ones.
func (s *OutboxStore) NoticesAfter(ctx context.Context, recipient string, after sesame.Position, limit int) ([]sesame.Notice, error) {
	q, args := `SELECT `+noticeColumns+` FROM notices WHERE recipient = ?`, []any{recipient}
	if !after.IsZero() {
		at := after.At.UnixNano()
		q += ` AND created_at <= ? AND (created_at < ? OR id > ?)`
		args = append(args, at, at, after.ID)
	}
	rows, err := s.db.reader.QueryContext(ctx, q+` ORDER BY created_at DESC, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: notices: %w", err)
	}
	return scanNotices(rows)
}

// Due implements sesame.Outbox.
func (s *OutboxStore) Due(ctx context.Context, now time.Time, limit int) ([]sesame.Notice, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+noticeColumns+` FROM notices
		WHERE delivered_at IS NULL AND next_attempt > 0 AND next_attempt <= ? AND recipient IN (SELECT recipient FROM webhooks)
		ORDER BY next_attempt, created_at LIMIT ?`, now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due notices: %w", err)
	}
	return scanNotices(rows)
}

// Delivered implements sesame.Outbox.
func (s *OutboxStore) Delivered(ctx context.Context, id string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notices SET delivered_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ? AND delivered_at IS NULL`, at.UnixNano(), id)
		return err
	})
}

// Failed implements sesame.Outbox.
func (s *OutboxStore) Failed(ctx context.Context, id string, next time.Time, reason string) error {
	var n int64
	if !next.IsZero() {
		n = next.UnixNano()
	}
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notices SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL`, n, reason, id)
		return err
	})
}

// SetWebhook implements sesame.Outbox.
func (s *OutboxStore) SetWebhook(ctx context.Context, w sesame.Webhook) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (recipient, url, secret) VALUES (?,?,?)
			ON CONFLICT (recipient) DO UPDATE SET url = excluded.url, secret = excluded.secret`, w.Recipient, w.URL, w.Secret)
		return err
	})
}

// Webhook implements sesame.Outbox.
func (s *OutboxStore) Webhook(ctx context.Context, recipient string) (sesame.Webhook, error) {
	w := sesame.Webhook{Recipient: recipient}
	err := s.db.reader.QueryRowContext(ctx, `SELECT url, secret FROM webhooks WHERE recipient = ?`, recipient).Scan(&w.URL, &w.Secret)
	if errors.Is(err, sql.ErrNoRows) {
		return w, sesame.Errorf(sesame.ENOTFOUND, "no webhook for %s", recipient)
	}
	return w, err
}
