package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// SessionStore keeps people's login links and sessions by hash (auth.SessionStore).
// Its one-statement reads and writes are the same as on PostgreSQL
// (sqlrow.SessionSQL).
type SessionStore struct {
	sqlrow.SessionSQL
	db *DB
}

// Sessions returns the session store of this database.
func (db *DB) Sessions() *SessionStore {
	return &SessionStore{sqlrow.SessionSQL{Q: db.q(), IsUnique: isUniqueViolation}, db}
}

var _ auth.SessionStore = (*SessionStore)(nil)

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
