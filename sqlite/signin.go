package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// The session store also keeps what people sign in with: their contacts
// (e-mail, phone) and passkeys, and the devices of their sessions.
var (
	_ auth.ContactStore = (*SessionStore)(nil)
	_ auth.PasskeyStore = (*SessionStore)(nil)
)

func (s *SessionStore) SaveCeremony(ctx context.Context, hash []byte, person string, data []byte, expires time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		// Ceremonies left unanswered go with the next one.
		if _, err := tx.ExecContext(ctx, `DELETE FROM passkey_ceremonies WHERE expires_at < ?`, tsNS(expires.Add(-time.Hour))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO passkey_ceremonies (hash, person, data, expires_at) VALUES (?,?,?,?)`, hash, person, data, tsNS(expires))
		return err
	})
}

func (s *SessionStore) TakeCeremony(ctx context.Context, hash []byte, at time.Time) (string, []byte, error) {
	var person string
	var data []byte
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		// Delete and return in one statement: a ceremony is answered once.
		return tx.QueryRowContext(ctx, `DELETE FROM passkey_ceremonies WHERE hash = ? AND expires_at > ? RETURNING person, data`, hash, tsNS(at)).Scan(&person, &data)
	})
	return person, data, sqlrow.NotFound(err, "no live ceremony")
}

// SetContacts sets many contacts in one transaction (the demo gives every
// simulated person an address and a phone number).
func (s *SessionStore) SetContacts(ctx context.Context, cs []auth.Contact) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, sqlrow.SetContactSQL)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range cs {
			if _, err := st.ExecContext(ctx, sqlrow.ContactValues(c)...); err != nil {
				return err
			}
		}
		return nil
	})
}
