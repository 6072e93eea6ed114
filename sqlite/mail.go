package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/sesame-credit/sesame"
)

var _ sesame.MailStore = (*OutboxStore)(nil)

// SetMailAddress implements sesame.MailStore.
func (s *OutboxStore) SetMailAddress(ctx context.Context, recipient, address string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		if address == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM mail_addresses WHERE recipient = ?`, recipient)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO mail_addresses (recipient, address, set_at) VALUES (?,?,?)
			ON CONFLICT (recipient) DO UPDATE SET address = excluded.address`, recipient, address, at.UnixNano())
		return err
	})
}

// MailDue implements sesame.MailStore.
func (s *OutboxStore) MailDue(ctx context.Context, limit int) ([]sesame.MailItem, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT a.address, n.id, n.recipient, n.topic, n.body, n.created_at
		FROM mail_addresses a JOIN notices n ON n.recipient = a.recipient AND n.created_at >= a.set_at
		WHERE n.mailed_at IS NULL ORDER BY n.created_at, n.id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sesame.MailItem
	for rows.Next() {
		var m sesame.MailItem
		var body []byte
		var created int64
		if err := rows.Scan(&m.Address, &m.Notice.ID, &m.Notice.Recipient, &m.Notice.Topic, &body, &created); err != nil {
			return nil, err
		}
		m.Notice.Body, m.Notice.CreatedAt = json.RawMessage(body), tsFromNS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Mailed implements sesame.MailStore.
func (s *OutboxStore) Mailed(ctx context.Context, id string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notices SET mailed_at = ? WHERE id = ?`, at.UnixNano(), id)
		return err
	})
}
