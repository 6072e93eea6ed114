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
	rows, err := s.db.pool.Query(ctx, `SELECT hash, person, created_at, expires_at, demo, user_agent, method, last_seen_at
		FROM person_sessions WHERE person = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC`, person, ns(at))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auth.Session
	for rows.Next() {
		var ss auth.Session
		var created, expires int64
		var seen *int64
		if err := rows.Scan(&ss.Hash, &ss.Person, &created, &expires, &ss.Demo, &ss.UserAgent, &ss.Method, &seen); err != nil {
			return nil, err
		}
		ss.CreatedAt, ss.ExpiresAt, ss.LastSeenAt = fromNS(created), fromNS(expires), fromNullNS(seen)
		out = append(out, ss)
	}
	return out, rows.Err()
}

func (s *TrustStore) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE person_sessions SET last_seen_at = $1 WHERE hash = $2`, ns(at), hash)
	return err
}

func (s *TrustStore) SetContact(ctx context.Context, c auth.Contact) error {
	_, err := s.exec(ctx, `INSERT INTO person_contacts (identifier, kind, person, created_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (identifier) DO UPDATE SET kind = excluded.kind, person = excluded.person, created_at = excluded.created_at`,
		c.Identifier, c.Kind, c.Person, ns(c.CreatedAt))
	return err
}

func (s *TrustStore) ContactPerson(ctx context.Context, identifier string) (string, error) {
	var person string
	err := s.db.pool.QueryRow(ctx, `SELECT person FROM person_contacts WHERE identifier = $1`, identifier).Scan(&person)
	return person, notFound(err, "no such contact")
}

func (s *TrustStore) Contacts(ctx context.Context, person string) ([]auth.Contact, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT identifier, kind, person, created_at FROM person_contacts WHERE person = $1 ORDER BY created_at, identifier`, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auth.Contact
	for rows.Next() {
		var c auth.Contact
		var created int64
		if err := rows.Scan(&c.Identifier, &c.Kind, &c.Person, &created); err != nil {
			return nil, err
		}
		c.CreatedAt = fromNS(created)
		out = append(out, c)
	}
	return out, rows.Err()
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

const passkeyCols = `id, person, name, credential, created_at, last_used_at`

func scanPasskey(row sqlrow.Row) (*auth.Passkey, error) {
	var p auth.Passkey
	var created int64
	var used *int64
	if err := row.Scan(&p.ID, &p.Person, &p.Name, &p.Credential, &created, &used); err != nil {
		return nil, err
	}
	p.CreatedAt, p.LastUsedAt = fromNS(created), fromNullNS(used)
	return &p, nil
}

func (s *TrustStore) Passkeys(ctx context.Context, person string) ([]auth.Passkey, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+passkeyCols+` FROM passkeys WHERE person = $1 ORDER BY created_at, id`, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auth.Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

func (s *TrustStore) Passkey(ctx context.Context, id string) (*auth.Passkey, error) {
	p, err := scanPasskey(s.db.pool.QueryRow(ctx, `SELECT `+passkeyCols+` FROM passkeys WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "no passkey %q", id)
	}
	return p, nil
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
