package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
)

// The session store also keeps what people sign in with: their contacts
// (e-mail, phone) and passkeys, and the devices of their sessions.
var (
	_ auth.ContactStore = (*SessionStore)(nil)
	_ auth.PasskeyStore = (*SessionStore)(nil)
)

func (s *SessionStore) PersonSessions(ctx context.Context, person string, at time.Time) ([]auth.Session, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT hash, person, created_at, expires_at, demo, user_agent, method, last_seen_at
		FROM person_sessions WHERE person = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC`, person, tsNS(at))
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
		ss.CreatedAt, ss.ExpiresAt, ss.LastSeenAt = tsFromNS(created), tsFromNS(expires), tsFromNullNS(seen)
		out = append(out, ss)
	}
	return out, rows.Err()
}

func (s *SessionStore) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE person_sessions SET last_seen_at = ? WHERE hash = ?`, tsNS(at), hash)
		return err
	})
}

func (s *SessionStore) SetContact(ctx context.Context, c auth.Contact) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO person_contacts (identifier, kind, person, created_at) VALUES (?,?,?,?)
			ON CONFLICT (identifier) DO UPDATE SET kind = excluded.kind, person = excluded.person, created_at = excluded.created_at`,
			c.Identifier, c.Kind, c.Person, tsNS(c.CreatedAt))
		return err
	})
}

func (s *SessionStore) ContactPerson(ctx context.Context, identifier string) (string, error) {
	var person string
	err := s.db.reader.QueryRowContext(ctx, `SELECT person FROM person_contacts WHERE identifier = ?`, identifier).Scan(&person)
	if errors.Is(err, sql.ErrNoRows) {
		return "", sesame.Errorf(sesame.ENOTFOUND, "no such contact")
	}
	return person, err
}

func (s *SessionStore) Contacts(ctx context.Context, person string) ([]auth.Contact, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT identifier, kind, person, created_at FROM person_contacts WHERE person = ? ORDER BY created_at, identifier`, person)
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
		c.CreatedAt = tsFromNS(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *SessionStore) RemoveContact(ctx context.Context, identifier string) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM person_contacts WHERE identifier = ?`, identifier)
		return err
	})
}

func (s *SessionStore) AddPasskey(ctx context.Context, p *auth.Passkey) error {
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO passkeys (id, person, name, credential, created_at) VALUES (?,?,?,?,?)`,
			p.ID, p.Person, p.Name, p.Credential, tsNS(p.CreatedAt))
		return err
	})
	if isUniqueViolation(err) {
		return sesame.Errorf(sesame.ECONFLICT, "that passkey is already registered")
	}
	return err
}

const passkeyCols = `id, person, name, credential, created_at, last_used_at`

func scanPasskey(sc interface{ Scan(...any) error }) (*auth.Passkey, error) {
	var p auth.Passkey
	var created int64
	var used *int64
	if err := sc.Scan(&p.ID, &p.Person, &p.Name, &p.Credential, &created, &used); err != nil {
		return nil, err
	}
	p.CreatedAt, p.LastUsedAt = tsFromNS(created), tsFromNullNS(used)
	return &p, nil
}

func (s *SessionStore) Passkeys(ctx context.Context, person string) ([]auth.Passkey, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+passkeyCols+` FROM passkeys WHERE person = ? ORDER BY created_at, id`, person)
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

func (s *SessionStore) Passkey(ctx context.Context, id string) (*auth.Passkey, error) {
	p, err := scanPasskey(s.db.reader.QueryRowContext(ctx, `SELECT `+passkeyCols+` FROM passkeys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no passkey %q", id)
	}
	return p, err
}

func (s *SessionStore) UsePasskey(ctx context.Context, id string, credential []byte, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE passkeys SET credential = ?, last_used_at = ? WHERE id = ?`, credential, tsNS(at), id)
		return err
	})
}

func (s *SessionStore) RemovePasskey(ctx context.Context, person, id string) error {
	var n int64
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM passkeys WHERE person = ? AND id = ?`, person, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no passkey %q", id)
	}
	return err
}

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
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, sesame.Errorf(sesame.ENOTFOUND, "no live ceremony")
	}
	return person, data, err
}

// SetContacts sets many contacts in one transaction (the demo gives every
// simulated person an address and a phone number).
func (s *SessionStore) SetContacts(ctx context.Context, cs []auth.Contact) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO person_contacts (identifier, kind, person, created_at) VALUES (?,?,?,?)
			ON CONFLICT (identifier) DO UPDATE SET kind = excluded.kind, person = excluded.person, created_at = excluded.created_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range cs {
			if _, err := st.ExecContext(ctx, c.Identifier, c.Kind, c.Person, tsNS(c.CreatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
}
