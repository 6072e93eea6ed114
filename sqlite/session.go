package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
)

// SessionStore keeps people's login links and sessions by hash (auth.SessionStore).
type SessionStore struct{ db *DB }

// Sessions returns the session store of this database.
func (db *DB) Sessions() *SessionStore { return &SessionStore{db: db} }

var _ auth.SessionStore = (*SessionStore)(nil)

func (s *SessionStore) CreateLoginLink(ctx context.Context, hash []byte, person string, created, expires time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO login_links (hash, person, created_at, expires_at) VALUES (?,?,?,?)`, hash, person, tsNS(created), tsNS(expires))
		return err
	})
}

func (s *SessionStore) UseLoginLink(ctx context.Context, hash []byte, at time.Time) (string, error) {
	var person string
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		// One statement marks and returns, so two redemptions racing for the
		// same link cannot both succeed.
		return tx.QueryRowContext(ctx, `UPDATE login_links SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING person`,
			tsNS(at), hash, tsNS(at)).Scan(&person)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", sesame.Errorf(sesame.ENOTFOUND, "no live login link")
	}
	return person, err
}

func (s *SessionStore) CreateSession(ctx context.Context, ss *auth.Session) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO person_sessions (hash, person, created_at, expires_at, demo, user_agent, method, last_seen_at) VALUES (?,?,?,?,?,?,?,?)`,
			ss.Hash, ss.Person, tsNS(ss.CreatedAt), tsNS(ss.ExpiresAt), ss.Demo, ss.UserAgent, ss.Method, tsNullNS(ss.LastSeenAt))
		return err
	})
}

func (s *SessionStore) Session(ctx context.Context, hash []byte) (*auth.Session, error) {
	var ss auth.Session
	var created, expires int64
	var revoked, seen *int64
	err := s.db.reader.QueryRowContext(ctx, `SELECT hash, person, created_at, expires_at, revoked_at, demo, user_agent, method, last_seen_at FROM person_sessions WHERE hash = ?`, hash).
		Scan(&ss.Hash, &ss.Person, &created, &expires, &revoked, &ss.Demo, &ss.UserAgent, &ss.Method, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no session")
	}
	if err != nil {
		return nil, err
	}
	ss.CreatedAt, ss.ExpiresAt, ss.RevokedAt, ss.LastSeenAt = tsFromNS(created), tsFromNS(expires), tsFromNullNS(revoked), tsFromNullNS(seen)
	return &ss, nil
}

func (s *SessionStore) RevokeSession(ctx context.Context, hash []byte, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE person_sessions SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL`, tsNS(at), hash)
		return err
	})
}

func (s *SessionStore) RevokeSessions(ctx context.Context, person string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE person_sessions SET revoked_at = ? WHERE person = ? AND revoked_at IS NULL`, tsNS(at), person)
		return err
	})
}
