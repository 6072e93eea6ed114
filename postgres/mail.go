package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

var _ sesame.MailStore = (*OutboxStore)(nil)

// SetMailAddress implements sesame.MailStore.
func (s *OutboxStore) SetMailAddress(ctx context.Context, recipient, address string, at time.Time) error {
	if address == "" {
		_, err := s.db.pool.Exec(ctx, `DELETE FROM mail_addresses WHERE recipient = $1`, recipient)
		return err
	}
	_, err := s.db.pool.Exec(ctx, `INSERT INTO mail_addresses (recipient, address, set_at) VALUES ($1,$2,$3)
		ON CONFLICT (recipient) DO UPDATE SET address = excluded.address`, recipient, address, at.UnixNano())
	return err
}

// MailDue implements sesame.MailStore.
func (s *OutboxStore) MailDue(ctx context.Context, limit int) ([]sesame.MailItem, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT a.address, n.id, n.recipient, n.topic, n.body, n.created_at
		FROM mail_addresses a JOIN notices n ON n.recipient = a.recipient AND n.created_at >= a.set_at
		WHERE n.mailed_at IS NULL ORDER BY n.created_at, n.id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, func(row sqlrow.Row) (sesame.MailItem, error) {
		var m sesame.MailItem
		var body []byte
		var created int64
		err := row.Scan(&m.Address, &m.Notice.ID, &m.Notice.Recipient, &m.Notice.Topic, &body, &created)
		m.Notice.Body, m.Notice.CreatedAt = json.RawMessage(body), fromNS(created)
		return m, err
	})
}

// Mailed implements sesame.MailStore.
func (s *OutboxStore) Mailed(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.pool.Exec(ctx, `UPDATE notices SET mailed_at = $1 WHERE id = $2`, at.UnixNano(), id)
	return err
}
