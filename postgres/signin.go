package postgres

import (
	"context"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// The trust store also keeps what people sign in with: their contacts
// (e-mail, phone) and passkeys, and the devices of their sessions.
var (
	_ auth.ContactStore = (*TrustStore)(nil)
	_ auth.PasskeyStore = (*TrustStore)(nil)
)

func (s *TrustStore) PersonSessions(ctx context.Context, person string, at time.Time) ([]auth.Session, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+sqlrow.SessionColumns+`
		FROM person_sessions WHERE person = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC`, person, ns(at))
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanSession)
}

func (s *TrustStore) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE person_sessions SET last_seen_at = $1 WHERE hash = $2`, ns(at), hash)
	return err
}

func (s *TrustStore) SetContact(ctx context.Context, c auth.Contact) error {
	_, err := s.exec(ctx, `INSERT INTO person_contacts (`+sqlrow.ContactColumns+`) VALUES ($1,$2,$3,$4)
		ON CONFLICT (identifier) DO UPDATE SET kind = excluded.kind, person = excluded.person, created_at = excluded.created_at`,
		sqlrow.ContactValues(c)...)
	return err
}

func (s *TrustStore) ContactPerson(ctx context.Context, identifier string) (string, error) {
	person, err := sqlrow.String(s.db.pool.QueryRow(ctx, `SELECT person FROM person_contacts WHERE identifier = $1`, identifier))
	return person, notFound(err, "no such contact")
}

func (s *TrustStore) Contacts(ctx context.Context, person string) ([]auth.Contact, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+sqlrow.ContactColumns+` FROM person_contacts WHERE person = $1 ORDER BY created_at, identifier`, person)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanContact)
}

func (s *TrustStore) RemoveContact(ctx context.Context, identifier string) error {
	_, err := s.exec(ctx, `DELETE FROM person_contacts WHERE identifier = $1`, identifier)
	return err
}

func (s *TrustStore) AddPasskey(ctx context.Context, p *auth.Passkey) error {
	_, err := s.exec(ctx, `INSERT INTO passkeys (id, person, name, credential, created_at) VALUES ($1,$2,$3,$4,$5)`,
		p.ID, p.Person, p.Name, p.Credential, ns(p.CreatedAt))
	if isUnique(err) {
		return sesame.Errorf(sesame.ECONFLICT, "that passkey is already registered")
	}
	return err
}

func (s *TrustStore) Passkeys(ctx context.Context, person string) ([]auth.Passkey, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+sqlrow.PasskeyColumns+` FROM passkeys WHERE person = $1 ORDER BY created_at, id`, person)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanPasskey)
}

func (s *TrustStore) Passkey(ctx context.Context, id string) (*auth.Passkey, error) {
	p, err := sqlrow.ScanPasskey(s.db.pool.QueryRow(ctx, `SELECT `+sqlrow.PasskeyColumns+` FROM passkeys WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "no passkey %q", id)
	}
	return &p, nil
}

func (s *TrustStore) UsePasskey(ctx context.Context, id string, credential []byte, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3`, credential, ns(at), id)
	return err
}

func (s *TrustStore) RemovePasskey(ctx context.Context, person, id string) error {
	n, err := s.exec(ctx, `DELETE FROM passkeys WHERE person = $1 AND id = $2`, person, id)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no passkey %q", id)
	}
	return err
}

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
