package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// TrustStore holds partners and keys, sessions, consents and requests,
// the access log and decisions on PostgreSQL: the same contract as
// package sqlite's stores (consenttest), most of it the same statements
// (sqlrow).
type TrustStore struct {
	sqlrow.PartnerSQL
	sqlrow.SessionSQL
	sqlrow.ConsentSQL
	db *DB
}

// Trust returns the trust stores of this database.
func (db *DB) Trust() *TrustStore {
	q := db.q()
	return &TrustStore{sqlrow.PartnerSQL{Q: q, IsUnique: isUnique}, sqlrow.SessionSQL{Q: q, IsUnique: isUnique}, sqlrow.ConsentSQL{Q: q}, db}
}

var (
	_ sesame.PartnerStore  = (*TrustStore)(nil)
	_ auth.SessionStore    = (*TrustStore)(nil)
	_ sesame.ConsentStore  = (*TrustStore)(nil)
	_ sesame.AccessLog     = (*TrustStore)(nil)
	_ sesame.DecisionStore = (*TrustStore)(nil)
)

// Time columns are Unix nanoseconds, NULL for "never" (package sqlrow
// reads and writes them for both engines).
var (
	ns       = sqlrow.NS
	nullNS   = sqlrow.NullNS
	fromNS   = sqlrow.FromNS
	notFound = sqlrow.NotFound
)

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func (s *TrustStore) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := s.db.pool.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

func (s *TrustStore) UseLoginLink(ctx context.Context, hash []byte, at time.Time) (string, error) {
	var person string
	err := s.db.pool.QueryRow(ctx, `UPDATE login_links SET used_at = $1 WHERE hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING person`, ns(at), hash).Scan(&person)
	return person, notFound(err, "no live login link")
}
