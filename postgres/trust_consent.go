package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
)

// Consents and requests.

const consentColumns = `id, person, partner, purpose, scope, granted_at, expires_at, revoked_at, request, thresholds`

func insertConsent(ctx context.Context, tx pgx.Tx, c *sesame.Consent) error {
	_, err := tx.Exec(ctx, `INSERT INTO consents (`+consentColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
		c.ID, c.Person, c.Partner, string(c.Purpose), string(c.Scope), ns(c.GrantedAt), ns(c.ExpiresAt), nullNS(c.RevokedAt), c.Request, sesame.FormatThresholds(c.Thresholds))
	return err
}

func (s *TrustStore) CreateConsent(ctx context.Context, c *sesame.Consent) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error { return insertConsent(ctx, tx, c) })
}

func scanConsent(row pgx.Row) (*sesame.Consent, error) {
	var c sesame.Consent
	var granted, expires int64
	var revoked *int64
	var purpose, scope, thresholds string
	if err := row.Scan(&c.ID, &c.Person, &c.Partner, &purpose, &scope, &granted, &expires, &revoked, &c.Request, &thresholds); err != nil {
		return nil, err
	}
	var err error
	if c.Thresholds, err = sesame.ParseThresholds(thresholds); err != nil {
		return nil, err
	}
	c.Purpose, c.Scope = sesame.Purpose(purpose), sesame.Scope(scope)
	c.GrantedAt, c.ExpiresAt, c.RevokedAt = fromNS(granted), fromNS(expires), fromNullNS(revoked)
	return &c, nil
}

func (s *TrustStore) Consent(ctx context.Context, id string) (*sesame.Consent, error) {
	c, err := scanConsent(s.db.pool.QueryRow(ctx, `SELECT `+consentColumns+` FROM consents WHERE id = $1`, id))
	return c, notFound(err, "no consent %q", id)
}

func (s *TrustStore) Consents(ctx context.Context, person string) ([]*sesame.Consent, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+consentColumns+` FROM consents WHERE person = $1 ORDER BY granted_at DESC, id`, person)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanConsent)
}

func (s *TrustStore) ConsentsBetween(ctx context.Context, person, partner string) ([]*sesame.Consent, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+consentColumns+` FROM consents WHERE person = $1 AND partner = $2 ORDER BY granted_at DESC, id`, person, partner)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanConsent)
}

func (s *TrustStore) RevokeConsent(ctx context.Context, person, id string, at time.Time) error {
	n, err := s.exec(ctx, `UPDATE consents SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND person = $3`, ns(at), id, person)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no consent %q", id)
	}
	return err
}

const requestColumns = `id, partner, person, purpose, scope, duration_ns, redirect_uri, state, status, created_at, expires_at, answered_at, answered_by, consent, thresholds`

func (s *TrustStore) CreateConsentRequest(ctx context.Context, r *sesame.ConsentRequest) error {
	_, err := s.exec(ctx, `INSERT INTO consent_requests (`+requestColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
		r.ID, r.Partner, r.Person, string(r.Purpose), string(r.Scope), int64(r.Duration), r.RedirectURI, r.State, r.Status,
		ns(r.CreatedAt), ns(r.ExpiresAt), nullNS(r.AnsweredAt), r.AnsweredBy, r.Consent, sesame.FormatThresholds(r.Thresholds))
	return err
}

func scanRequest(row pgx.Row) (*sesame.ConsentRequest, error) {
	var r sesame.ConsentRequest
	var purpose, scope, thresholds string
	var dur, created, expires int64
	var answered *int64
	if err := row.Scan(&r.ID, &r.Partner, &r.Person, &purpose, &scope, &dur, &r.RedirectURI, &r.State, &r.Status,
		&created, &expires, &answered, &r.AnsweredBy, &r.Consent, &thresholds); err != nil {
		return nil, err
	}
	var err error
	if r.Thresholds, err = sesame.ParseThresholds(thresholds); err != nil {
		return nil, err
	}
	r.Purpose, r.Scope, r.Duration = sesame.Purpose(purpose), sesame.Scope(scope), time.Duration(dur)
	r.CreatedAt, r.ExpiresAt, r.AnsweredAt = fromNS(created), fromNS(expires), fromNullNS(answered)
	return &r, nil
}

func (s *TrustStore) ConsentRequest(ctx context.Context, id string) (*sesame.ConsentRequest, error) {
	r, err := scanRequest(s.db.pool.QueryRow(ctx, `SELECT `+requestColumns+` FROM consent_requests WHERE id = $1`, id))
	return r, notFound(err, "no consent request %q", id)
}

func (s *TrustStore) PendingConsentRequests(ctx context.Context, person string) ([]*sesame.ConsentRequest, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+requestColumns+` FROM consent_requests WHERE person = $1 AND status = $2 ORDER BY created_at DESC`, person, sesame.RequestPending)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanRequest)
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

func scanProduct(row pgx.Row) (*sesame.Product, error) {
	var p sesame.Product
	var purpose string
	if err := row.Scan(&p.PolicyVersion, &p.ID, &p.Name, &purpose, &p.Description, &p.Policy); err != nil {
		return nil, err
	}
	p.Purpose = sesame.Purpose(purpose)
	return &p, nil
}

func (s *TrustStore) PolicyVersion(ctx context.Context, version string) (*sesame.Product, error) {
	p, err := scanProduct(s.db.pool.QueryRow(ctx, `SELECT version, product, name, purpose, description, source FROM policy_versions WHERE version = $1`, version))
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
	return collect(rows, scanProduct)
}

func (s *TrustStore) SaveDecision(ctx context.Context, d *sesame.Decision) error {
	in, err := json.Marshal(d.Input)
	if err != nil {
		return err
	}
	res := d.Raw
	if res == nil {
		if res, err = json.Marshal(d.Result); err != nil {
			return err
		}
	}
	_, err = s.exec(ctx, `INSERT INTO decisions (id, partner, person, product, policy_version, model_version, consent, input, result, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, d.ID, d.Partner, d.Person, d.Product, d.PolicyVersion, d.ModelVersion, d.Consent, string(in), string(res), ns(d.CreatedAt))
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
	ids, err := collect(rows, func(r pgx.Row) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
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
	var d sesame.Decision
	var in, res string
	var created int64
	err := s.db.pool.QueryRow(ctx, `SELECT id, partner, person, product, policy_version, model_version, consent, input, result, created_at FROM decisions WHERE id = $1`, id).
		Scan(&d.ID, &d.Partner, &d.Person, &d.Product, &d.PolicyVersion, &d.ModelVersion, &d.Consent, &in, &res, &created)
	if err != nil {
		return nil, notFound(err, "no decision %q", id)
	}
	if err := json.Unmarshal([]byte(in), &d.Input); err != nil {
		return nil, fmt.Errorf("postgres: decision %s input: %w", id, err)
	}
	if err := json.Unmarshal([]byte(res), &d.Result); err != nil {
		return nil, fmt.Errorf("postgres: decision %s result: %w", id, err)
	}
	d.Raw = json.RawMessage(res)
	d.CreatedAt = fromNS(created)
	return &d, nil
}
