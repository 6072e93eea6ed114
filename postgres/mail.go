package postgres

import (
	"context"
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
	return sqlrow.MailDue(ctx, s.db.q(), limit)
}

// Mailed implements sesame.MailStore.
func (s *OutboxStore) Mailed(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.pool.Exec(ctx, `UPDATE notices SET mailed_at = $1 WHERE id = $2`, at.UnixNano(), id)
	return err
}
