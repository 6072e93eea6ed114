package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Consents and requests.

func insertConsent(ctx context.Context, tx pgx.Tx, c *sesame.Consent) error {
	_, err := tx.Exec(ctx, `INSERT INTO consents (`+sqlrow.ConsentColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, sqlrow.ConsentValues(c)...)
	return err
}

func (s *TrustStore) CreateConsent(ctx context.Context, c *sesame.Consent) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error { return insertConsent(ctx, tx, c) })
}

func (s *TrustStore) AnswerConsentRequest(ctx context.Context, id, person, status string, at time.Time, grant *sesame.Consent) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		consent := ""
		if grant != nil {
			consent = grant.ID
		}
		tag, err := tx.Exec(ctx, `UPDATE consent_requests SET status = $1, answered_at = $2, answered_by = $3, consent = $4
			WHERE id = $5 AND status = $6 AND (person = '' OR person = $3)`, status, ns(at), person, consent, id, sesame.RequestPending)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return sesame.Errorf(sesame.ECONFLICT, "the consent request %q is no longer pending", id)
		}
		if grant != nil {
			return insertConsent(ctx, tx, grant)
		}
		return nil
	})
}

// Policies and decisions.

func (s *TrustStore) SavePolicy(ctx context.Context, p *sesame.Product) error {
	_, err := s.exec(ctx, `INSERT INTO policy_versions (version, product, name, purpose, description, source, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (version) DO NOTHING`,
		p.PolicyVersion, p.ID, p.Name, string(p.Purpose), p.Description, p.Policy, time.Now().UnixNano())
	return err
}

func (s *TrustStore) PolicyVersion(ctx context.Context, version string) (*sesame.Product, error) {
	p, err := sqlrow.ScanProduct(s.db.pool.QueryRow(ctx, `SELECT `+sqlrow.ProductColumns+` FROM policy_versions WHERE version = $1`, version))
	return p, notFound(err, "no policy version %q", version)
}

func (s *TrustStore) ActivateProduct(ctx context.Context, id, version string) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		var product string
		err := tx.QueryRow(ctx, `SELECT product FROM policy_versions WHERE version = $1`, version).Scan(&product)
		if err == pgx.ErrNoRows || (err == nil && product != id) {
			return sesame.Errorf(sesame.ENOTFOUND, "no policy version %q of product %q", version, id)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO products (id, version) VALUES ($1,$2) ON CONFLICT (id) DO UPDATE SET version = excluded.version`, id, version)
		return err
	})
}

func (s *TrustStore) ActiveProducts(ctx context.Context) ([]*sesame.Product, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT v.version, v.product, v.name, v.purpose, v.description, v.source
		FROM products p JOIN policy_versions v ON v.version = p.version ORDER BY p.id`)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanProduct)
}

func (s *TrustStore) SaveDecision(ctx context.Context, d *sesame.Decision) error {
	v, err := sqlrow.DecisionValues(d)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO decisions (`+sqlrow.DecisionColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, v...)
	return err
}

func (s *TrustStore) DecisionsAbout(ctx context.Context, person string, limit int) ([]*sesame.Decision, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.DecisionsAboutAfter(ctx, person, sesame.Position{}, limit)
}

// DecisionsAboutAfter reads a page by its position, not an offset: the
// created_at range lets the (person, created_at) index start the scan
// there, however many decisions come before it.
func (s *TrustStore) DecisionsAboutAfter(ctx context.Context, person string, after sesame.Position, limit int) ([]*sesame.Decision, error) {
	if limit <= 0 {
		limit = 1000
	}
	q, args := `SELECT id FROM decisions WHERE person = $1`, []any{person}
	if !after.IsZero() {
		q += ` AND created_at <= $2 AND (created_at < $2 OR id > $3)`
		args = append(args, ns(after.At), after.ID)
	}
	rows, err := s.db.pool.Query(ctx, q+fmt.Sprintf(` ORDER BY created_at DESC, id LIMIT $%d`, len(args)+1), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	ids, err := sqlrow.Collect(rows, sqlrow.String)
	if err != nil {
		return nil, err
	}
	out := make([]*sesame.Decision, 0, len(ids))
	for _, id := range ids {
		d, err := s.Decision(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (s *TrustStore) Decision(ctx context.Context, id string) (*sesame.Decision, error) {
	d, err := sqlrow.ScanDecision(s.db.pool.QueryRow(ctx, `SELECT `+sqlrow.DecisionColumns+` FROM decisions WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "no decision %q", id)
	}
	return d, nil
}
