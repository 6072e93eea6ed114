package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// PartnerStore keeps partners and their key hashes (sesame.PartnerStore).
type PartnerStore struct{ db *DB }

// Partners returns the partner store of this database.
func (db *DB) Partners() *PartnerStore { return &PartnerStore{db: db} }

var _ sesame.PartnerStore = (*PartnerStore)(nil)

// Time columns of the trust tables are Unix nanoseconds, NULL for "never"
// (package sqlrow reads and writes them for both engines).
var (
	tsNS         = sqlrow.NS
	tsNullNS     = sqlrow.NullNS
	tsFromNS     = sqlrow.FromNS
	tsFromNullNS = sqlrow.FromNullNS
)

// isUniqueViolation reports a PRIMARY KEY or UNIQUE conflict.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// exec runs one statement in a write transaction (so that it takes the
// write lock up front, like every write) and returns the rows it changed.
func (db *DB) exec(ctx context.Context, q string, args ...any) (n int64, err error) {
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}

func (s *PartnerStore) CreatePartner(ctx context.Context, p *sesame.Partner) error {
	_, err := s.db.exec(ctx, `INSERT INTO partners (`+sqlrow.PartnerColumns+`) VALUES (?,?,?,?,?,?,?)`, sqlrow.PartnerValues(p)...)
	if isUniqueViolation(err) {
		return sesame.Errorf(sesame.ECONFLICT, "a partner %q exists already", p.ID)
	}
	return err
}

func (s *PartnerStore) UpdatePartner(ctx context.Context, p *sesame.Partner) error {
	v := sqlrow.PartnerValues(p)
	n, err := s.db.exec(ctx, `UPDATE partners SET name = ?, redirect_uris = ?, rate = ?, burst = ?, disabled_at = ? WHERE id = ?`,
		v[1], v[2], v[3], v[4], v[6], p.ID)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "no partner %q", p.ID)
	}
	return err
}

func (s *PartnerStore) Partner(ctx context.Context, id string) (*sesame.Partner, error) {
	p, err := sqlrow.ScanPartner(s.db.reader.QueryRowContext(ctx, `SELECT `+sqlrow.PartnerColumns+` FROM partners WHERE id = ?`, id))
	return p, sqlrow.NotFound(err, "no partner %q", id)
}

func (s *PartnerStore) Partners(ctx context.Context) ([]*sesame.Partner, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+sqlrow.PartnerColumns+` FROM partners ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanPartner)
}

func (s *PartnerStore) AddPartnerKey(ctx context.Context, k *sesame.PartnerKey) error {
	_, err := s.db.exec(ctx, `INSERT INTO partner_keys (`+sqlrow.KeyColumns+`) VALUES (?,?,?,?,?,?)`, sqlrow.KeyValues(k)...)
	return err
}

func (s *PartnerStore) PartnerKey(ctx context.Context, id string) (*sesame.PartnerKey, error) {
	k, err := sqlrow.ScanKey(s.db.reader.QueryRowContext(ctx, `SELECT `+sqlrow.KeyColumns+` FROM partner_keys WHERE id = ?`, id))
	return k, sqlrow.NotFound(err, "no key %q", id)
}

func (s *PartnerStore) PartnerKeys(ctx context.Context, partner string) ([]*sesame.PartnerKey, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+sqlrow.KeyColumns+` FROM partner_keys WHERE partner = ? ORDER BY created_at`, partner)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanKey)
}

func (s *PartnerStore) ExpirePartnerKeys(ctx context.Context, partner, keep string, at time.Time, revoke bool) error {
	col := "expires_at"
	if revoke {
		col = "revoked_at"
	}
	// A key already expiring sooner keeps its earlier end.
	_, err := s.db.exec(ctx, `UPDATE partner_keys SET `+col+` = ?1 WHERE partner = ?2 AND id <> ?3 AND revoked_at IS NULL AND (`+col+` IS NULL OR `+col+` > ?1)`,
		tsNS(at), partner, keep)
	return err
}

func (s *PartnerStore) RevokePartnerKey(ctx context.Context, id string, at time.Time) error {
	n, err := s.db.exec(ctx, `UPDATE partner_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, tsNS(at), id)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "no key %q", id)
	}
	return err
}
