package postgres

import (
	"context"
	"time"

	"github.com/sesame-credit/sesame/auth"
)

// The trust store also keeps what people sign in with: their contacts
// (e-mail, phone) and passkeys, and the devices of their sessions.
var (
	_ auth.ContactStore = (*TrustStore)(nil)
	_ auth.PasskeyStore = (*TrustStore)(nil)
)

func (s *TrustStore) SaveCeremony(ctx context.Context, hash []byte, person string, data []byte, expires time.Time) error {
	// Ceremonies left unanswered go with the next one.
	if _, err := s.exec(ctx, `DELETE FROM passkey_ceremonies WHERE expires_at < $1`, ns(expires.Add(-time.Hour))); err != nil {
		return err
	}
	_, err := s.exec(ctx, `INSERT INTO passkey_ceremonies (hash, person, data, expires_at) VALUES ($1,$2,$3,$4)`, hash, person, data, ns(expires))
	return err
}

func (s *TrustStore) TakeCeremony(ctx context.Context, hash []byte, at time.Time) (string, []byte, error) {
	var person string
	var data []byte
	// Delete and return in one statement: a ceremony is answered once.
	err := s.db.pool.QueryRow(ctx, `DELETE FROM passkey_ceremonies WHERE hash = $1 AND expires_at > $2 RETURNING person, data`, hash, ns(at)).Scan(&person, &data)
	if err != nil {
		return "", nil, notFound(err, "no live ceremony")
	}
	return person, data, nil
}
