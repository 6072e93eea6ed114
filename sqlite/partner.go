package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// PartnerStore keeps partners and their key hashes (sesame.PartnerStore).
type PartnerStore struct{ db *DB }

// Partners returns the partner store of this database.
func (db *DB) Partners() *PartnerStore { return &PartnerStore{db: db} }

var _ sesame.PartnerStore = (*PartnerStore)(nil)

// Time columns of the trust tables are Unix nanoseconds, NULL for "never".
func tsNS(t time.Time) int64 { return t.UnixNano() }

func tsNullNS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func tsFromNS(n int64) time.Time { return time.Unix(0, n).UTC() }

func tsFromNullNS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// isUniqueViolation reports a PRIMARY KEY or UNIQUE conflict.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func (s *PartnerStore) CreatePartner(ctx context.Context, p *sesame.Partner) error {
	uris, _ := json.Marshal(nonNil(p.RedirectURIs))
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, redirect_uris, rate, burst, created_at, disabled_at) VALUES (?,?,?,?,?,?,?)`,
			p.ID, p.Name, string(uris), p.RatePerSecond, p.Burst, tsNS(p.CreatedAt), tsNullNS(p.DisabledAt))
		return err
	})
	if isUniqueViolation(err) {
		return sesame.Errorf(sesame.ECONFLICT, "a partner %q exists already", p.ID)
	}
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *PartnerStore) UpdatePartner(ctx context.Context, p *sesame.Partner) error {
	uris, _ := json.Marshal(nonNil(p.RedirectURIs))
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE partners SET name = ?, redirect_uris = ?, rate = ?, burst = ?, disabled_at = ? WHERE id = ?`,
			p.Name, string(uris), p.RatePerSecond, p.Burst, tsNullNS(p.DisabledAt), p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "no partner %q", p.ID)
		}
		return nil
	})
}

const partnerColumns = `id, name, redirect_uris, rate, burst, created_at, disabled_at`

func scanPartner(row interface{ Scan(...any) error }) (*sesame.Partner, error) {
	var p sesame.Partner
	var uris string
	var created int64
	var disabled sql.NullInt64
	if err := row.Scan(&p.ID, &p.Name, &uris, &p.RatePerSecond, &p.Burst, &created, &disabled); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(uris), &p.RedirectURIs); err != nil {
		return nil, fmt.Errorf("sqlite: partner %s redirect uris: %w", p.ID, err)
	}
	p.CreatedAt, p.DisabledAt = tsFromNS(created), tsFromNullNS(disabled)
	return &p, nil
}

func (s *PartnerStore) Partner(ctx context.Context, id string) (*sesame.Partner, error) {
	p, err := scanPartner(s.db.reader.QueryRowContext(ctx, `SELECT `+partnerColumns+` FROM partners WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no partner %q", id)
	}
	return p, err
}

func (s *PartnerStore) Partners(ctx context.Context) ([]*sesame.Partner, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+partnerColumns+` FROM partners ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sesame.Partner
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *PartnerStore) AddPartnerKey(ctx context.Context, k *sesame.PartnerKey) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO partner_keys (id, partner, hash, created_at, expires_at, revoked_at) VALUES (?,?,?,?,?,?)`,
			k.ID, k.Partner, k.Hash, tsNS(k.CreatedAt), tsNullNS(k.ExpiresAt), tsNullNS(k.RevokedAt))
		return err
	})
}

func scanKey(row interface{ Scan(...any) error }) (*sesame.PartnerKey, error) {
	var k sesame.PartnerKey
	var created int64
	var expires, revoked sql.NullInt64
	if err := row.Scan(&k.ID, &k.Partner, &k.Hash, &created, &expires, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.ExpiresAt, k.RevokedAt = tsFromNS(created), tsFromNullNS(expires), tsFromNullNS(revoked)
	return &k, nil
}

func (s *PartnerStore) PartnerKey(ctx context.Context, id string) (*sesame.PartnerKey, error) {
	k, err := scanKey(s.db.reader.QueryRowContext(ctx, `SELECT id, partner, hash, created_at, expires_at, revoked_at FROM partner_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no key %q", id)
	}
	return k, err
}

func (s *PartnerStore) PartnerKeys(ctx context.Context, partner string) ([]*sesame.PartnerKey, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT id, partner, hash, created_at, expires_at, revoked_at FROM partner_keys WHERE partner = ? ORDER BY created_at`, partner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sesame.PartnerKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (s *PartnerStore) ExpirePartnerKeys(ctx context.Context, partner, keep string, at time.Time, revoke bool) error {
	col := "expires_at"
	if revoke {
		col = "revoked_at"
	}
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		// A key already expiring sooner keeps its earlier end.
		_, err := tx.ExecContext(ctx, `UPDATE partner_keys SET `+col+` = ? WHERE partner = ? AND id <> ? AND revoked_at IS NULL AND (`+col+` IS NULL OR `+col+` > ?)`,
			tsNS(at), partner, keep, tsNS(at))
		return err
	})
}

func (s *PartnerStore) RevokePartnerKey(ctx context.Context, id string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE partner_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, tsNS(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "no key %q", id)
		}
		return nil
	})
}
