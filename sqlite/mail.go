package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
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
	return sqlrow.MailDue(ctx, s.db.q(), limit)
}

// Mailed implements sesame.MailStore.
func (s *OutboxStore) Mailed(ctx context.Context, id string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notices SET mailed_at = ? WHERE id = ?`, at.UnixNano(), id)
		return err
	})
}
