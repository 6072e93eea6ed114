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
// package sqlite's stores (consenttest).
type TrustStore struct{ db *DB }

// Trust returns the trust stores of this database.
func (db *DB) Trust() *TrustStore { return &TrustStore{db: db} }

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
	ns         = sqlrow.NS
	nullNS     = sqlrow.NullNS
	fromNS     = sqlrow.FromNS
	fromNullNS = sqlrow.FromNullNS
	notFound   = sqlrow.NotFound
)

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func (s *TrustStore) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := s.db.pool.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// Partners.

func (s *TrustStore) CreatePartner(ctx context.Context, p *sesame.Partner) error {
	_, err := s.exec(ctx, `INSERT INTO partners (`+sqlrow.PartnerColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`, sqlrow.PartnerValues(p)...)
	if isUnique(err) {
		return sesame.Errorf(sesame.ECONFLICT, "a partner %q exists already", p.ID)
	}
	return err
}

func (s *TrustStore) UpdatePartner(ctx context.Context, p *sesame.Partner) error {
	v := sqlrow.PartnerValues(p)
	n, err := s.exec(ctx, `UPDATE partners SET name = $1, redirect_uris = $2, rate = $3, burst = $4, disabled_at = $5 WHERE id = $6`,
		v[1], v[2], v[3], v[4], v[6], p.ID)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "no partner %q", p.ID)
	}
	return err
}

func (s *TrustStore) Partner(ctx context.Context, id string) (*sesame.Partner, error) {
	p, err := sqlrow.ScanPartner(s.db.pool.QueryRow(ctx, `SELECT `+sqlrow.PartnerColumns+` FROM partners WHERE id = $1`, id))
	return p, notFound(err, "no partner %q", id)
}

func (s *TrustStore) Partners(ctx context.Context) ([]*sesame.Partner, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+sqlrow.PartnerColumns+` FROM partners ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanPartner)
}

func (s *TrustStore) AddPartnerKey(ctx context.Context, k *sesame.PartnerKey) error {
	_, err := s.exec(ctx, `INSERT INTO partner_keys (`+sqlrow.KeyColumns+`) VALUES ($1,$2,$3,$4,$5,$6)`, sqlrow.KeyValues(k)...)
	return err
}

func (s *TrustStore) PartnerKey(ctx context.Context, id string) (*sesame.PartnerKey, error) {
	k, err := sqlrow.ScanKey(s.db.pool.QueryRow(ctx, `SELECT `+sqlrow.KeyColumns+` FROM partner_keys WHERE id = $1`, id))
	return k, notFound(err, "no key %q", id)
}

func (s *TrustStore) PartnerKeys(ctx context.Context, partner string) ([]*sesame.PartnerKey, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+sqlrow.KeyColumns+` FROM partner_keys WHERE partner = $1 ORDER BY created_at`, partner)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanKey)
}

func (s *TrustStore) ExpirePartnerKeys(ctx context.Context, partner, keep string, at time.Time, revoke bool) error {
	col := "expires_at"
	if revoke {
		col = "revoked_at"
	}
	_, err := s.exec(ctx, `UPDATE partner_keys SET `+col+` = $1 WHERE partner = $2 AND id <> $3 AND revoked_at IS NULL AND (`+col+` IS NULL OR `+col+` > $1)`,
		ns(at), partner, keep)
	return err
}

func (s *TrustStore) RevokePartnerKey(ctx context.Context, id string, at time.Time) error {
	n, err := s.exec(ctx, `UPDATE partner_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`, ns(at), id)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "no key %q", id)
	}
	return err
}

// Sessions.

func (s *TrustStore) CreateLoginLink(ctx context.Context, hash []byte, person string, created, expires time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO login_links (hash, person, created_at, expires_at) VALUES ($1,$2,$3,$4)`, hash, person, ns(created), ns(expires))
	return err
}

func (s *TrustStore) UseLoginLink(ctx context.Context, hash []byte, at time.Time) (string, error) {
	var person string
	err := s.db.pool.QueryRow(ctx, `UPDATE login_links SET used_at = $1 WHERE hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING person`, ns(at), hash).Scan(&person)
	return person, notFound(err, "no live login link")
}

func (s *TrustStore) CreateSession(ctx context.Context, ss *auth.Session) error {
	_, err := s.exec(ctx, `INSERT INTO person_sessions (`+sqlrow.SessionColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, sqlrow.SessionValues(ss)...)
	return err
}

func (s *TrustStore) Session(ctx context.Context, hash []byte) (*auth.Session, error) {
	ss, err := sqlrow.ScanSession(s.db.pool.QueryRow(ctx, `SELECT `+sqlrow.SessionColumns+` FROM person_sessions WHERE hash = $1`, hash))
	if err != nil {
		return nil, notFound(err, "no session")
	}
	return &ss, nil
}

func (s *TrustStore) RevokeSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE person_sessions SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL`, ns(at), hash)
	return err
}

func (s *TrustStore) RevokeSessions(ctx context.Context, person string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE person_sessions SET revoked_at = $1 WHERE person = $2 AND revoked_at IS NULL`, ns(at), person)
	return err
}
