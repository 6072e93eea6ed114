package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// SessionStore keeps people's login links and sessions by hash (auth.SessionStore).
type SessionStore struct{ db *DB }

// Sessions returns the session store of this database.
func (db *DB) Sessions() *SessionStore { return &SessionStore{db: db} }

var _ auth.SessionStore = (*SessionStore)(nil)

func (s *SessionStore) CreateLoginLink(ctx context.Context, hash []byte, person string, created, expires time.Time) error {
	_, err := s.db.exec(ctx, `INSERT INTO login_links (hash, person, created_at, expires_at) VALUES (?,?,?,?)`, hash, person, tsNS(created), tsNS(expires))
	return err
}

func (s *SessionStore) UseLoginLink(ctx context.Context, hash []byte, at time.Time) (string, error) {
	var person string
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		// One statement marks and returns, so two redemptions racing for the
		// same link cannot both succeed.
		return tx.QueryRowContext(ctx, `UPDATE login_links SET used_at = ?1 WHERE hash = ?2 AND used_at IS NULL AND expires_at > ?1 RETURNING person`,
			tsNS(at), hash).Scan(&person)
	})
	return person, sqlrow.NotFound(err, "no live login link")
}

func (s *SessionStore) CreateSession(ctx context.Context, ss *auth.Session) error {
	_, err := s.db.exec(ctx, `INSERT INTO person_sessions (`+sqlrow.SessionColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`, sqlrow.SessionValues(ss)...)
	return err
}

func (s *SessionStore) Session(ctx context.Context, hash []byte) (*auth.Session, error) {
	ss, err := sqlrow.ScanSession(s.db.reader.QueryRowContext(ctx, `SELECT `+sqlrow.SessionColumns+` FROM person_sessions WHERE hash = ?`, hash))
	if err != nil {
		return nil, sqlrow.NotFound(err, "no session")
	}
	return &ss, nil
}

func (s *SessionStore) RevokeSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.db.exec(ctx, `UPDATE person_sessions SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL`, tsNS(at), hash)
	return err
}

func (s *SessionStore) RevokeSessions(ctx context.Context, person string, at time.Time) error {
	_, err := s.db.exec(ctx, `UPDATE person_sessions SET revoked_at = ? WHERE person = ? AND revoked_at IS NULL`, tsNS(at), person)
	return err
}
