package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// The session store also keeps what people sign in with: their contacts
// (e-mail, phone) and passkeys, and the devices of their sessions.
var (
	_ auth.ContactStore = (*SessionStore)(nil)
	_ auth.PasskeyStore = (*SessionStore)(nil)
)

func (s *SessionStore) PersonSessions(ctx context.Context, person string, at time.Time) ([]auth.Session, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+sqlrow.SessionColumns+`
		FROM person_sessions WHERE person = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC`, person, tsNS(at))
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanSession)
}

func (s *SessionStore) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.db.exec(ctx, `UPDATE person_sessions SET last_seen_at = ? WHERE hash = ?`, tsNS(at), hash)
	return err
}

const setContactSQL = `INSERT INTO person_contacts (` + sqlrow.ContactColumns + `) VALUES (?,?,?,?)
	ON CONFLICT (identifier) DO UPDATE SET kind = excluded.kind, person = excluded.person, created_at = excluded.created_at`

func (s *SessionStore) SetContact(ctx context.Context, c auth.Contact) error {
	return s.SetContacts(ctx, []auth.Contact{c})
}

func (s *SessionStore) ContactPerson(ctx context.Context, identifier string) (string, error) {
	person, err := sqlrow.String(s.db.reader.QueryRowContext(ctx, `SELECT person FROM person_contacts WHERE identifier = ?`, identifier))
	return person, sqlrow.NotFound(err, "no such contact")
}

func (s *SessionStore) Contacts(ctx context.Context, person string) ([]auth.Contact, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+sqlrow.ContactColumns+` FROM person_contacts WHERE person = ? ORDER BY created_at, identifier`, person)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanContact)
}

func (s *SessionStore) RemoveContact(ctx context.Context, identifier string) error {
	_, err := s.db.exec(ctx, `DELETE FROM person_contacts WHERE identifier = ?`, identifier)
	return err
}

func (s *SessionStore) AddPasskey(ctx context.Context, p *auth.Passkey) error {
	_, err := s.db.exec(ctx, `INSERT INTO passkeys (id, person, name, credential, created_at) VALUES (?,?,?,?,?)`,
		p.ID, p.Person, p.Name, p.Credential, tsNS(p.CreatedAt))
	if isUniqueViolation(err) {
		return sesame.Errorf(sesame.ECONFLICT, "that passkey is already registered")
	}
	return err
}

func (s *SessionStore) Passkeys(ctx context.Context, person string) ([]auth.Passkey, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+sqlrow.PasskeyColumns+` FROM passkeys WHERE person = ? ORDER BY created_at, id`, person)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanPasskey)
}

func (s *SessionStore) Passkey(ctx context.Context, id string) (*auth.Passkey, error) {
	p, err := sqlrow.ScanPasskey(s.db.reader.QueryRowContext(ctx, `SELECT `+sqlrow.PasskeyColumns+` FROM passkeys WHERE id = ?`, id))
	if err != nil {
		return nil, sqlrow.NotFound(err, "no passkey %q", id)
	}
	return &p, nil
}

func (s *SessionStore) UsePasskey(ctx context.Context, id string, credential []byte, at time.Time) error {
	_, err := s.db.exec(ctx, `UPDATE passkeys SET credential = ?, last_used_at = ? WHERE id = ?`, credential, tsNS(at), id)
	return err
}

func (s *SessionStore) RemovePasskey(ctx context.Context, person, id string) error {
	n, err := s.db.exec(ctx, `DELETE FROM passkeys WHERE person = ? AND id = ?`, person, id)
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
	return person, data, sqlrow.NotFound(err, "no live ceremony")
}

// SetContacts sets many contacts in one transaction (the demo gives every
// simulated person an address and a phone number).
func (s *SessionStore) SetContacts(ctx context.Context, cs []auth.Contact) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, setContactSQL)
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
