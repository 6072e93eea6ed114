package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesame-credit/sesame"
)

// ConsentStore keeps consents and consent requests (sesame.ConsentStore).
type ConsentStore struct{ db *DB }

// Consents returns the consent store of this database.
func (db *DB) Consents() *ConsentStore { return &ConsentStore{db: db} }

var _ sesame.ConsentStore = (*ConsentStore)(nil)

const consentColumns = `id, person, partner, purpose, scope, granted_at, expires_at, revoked_at, request, thresholds`

func insertConsent(ctx context.Context, tx *sql.Tx, c *sesame.Consent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO consents (`+consentColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		c.ID, c.Person, c.Partner, string(c.Purpose), string(c.Scope), tsNS(c.GrantedAt), tsNS(c.ExpiresAt), tsNullNS(c.RevokedAt), c.Request, sesame.FormatThresholds(c.Thresholds))
	return err
}

func (s *ConsentStore) CreateConsent(ctx context.Context, c *sesame.Consent) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error { return insertConsent(ctx, tx, c) })
}

func scanConsent(row interface{ Scan(...any) error }) (*sesame.Consent, error) {
	var c sesame.Consent
	var granted, expires int64
	var revoked sql.NullInt64
	var purpose, scope, thresholds string
	if err := row.Scan(&c.ID, &c.Person, &c.Partner, &purpose, &scope, &granted, &expires, &revoked, &c.Request, &thresholds); err != nil {
		return nil, err
	}
	var err error
	if c.Thresholds, err = sesame.ParseThresholds(thresholds); err != nil {
		return nil, err
	}
	c.Purpose, c.Scope = sesame.Purpose(purpose), sesame.Scope(scope)
	c.GrantedAt, c.ExpiresAt, c.RevokedAt = tsFromNS(granted), tsFromNS(expires), tsFromNullNS(revoked)
	return &c, nil
}

func (s *ConsentStore) queryConsents(ctx context.Context, where string, args ...any) ([]*sesame.Consent, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+consentColumns+` FROM consents WHERE `+where+` ORDER BY granted_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sesame.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *ConsentStore) Consent(ctx context.Context, id string) (*sesame.Consent, error) {
	c, err := scanConsent(s.db.reader.QueryRowContext(ctx, `SELECT `+consentColumns+` FROM consents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no consent %q", id)
	}
	return c, err
}

func (s *ConsentStore) Consents(ctx context.Context, person string) ([]*sesame.Consent, error) {
	return s.queryConsents(ctx, `person = ?`, person)
}

func (s *ConsentStore) ConsentsBetween(ctx context.Context, person, partner string) ([]*sesame.Consent, error) {
	return s.queryConsents(ctx, `person = ? AND partner = ?`, person, partner)
}

func (s *ConsentStore) RevokeConsent(ctx context.Context, person, id string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE consents SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND person = ?`, tsNS(at), id, person)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "you have no consent %q", id)
		}
		return nil
	})
}

const requestColumns = `id, partner, person, purpose, scope, duration_ns, redirect_uri, state, status, created_at, expires_at, answered_at, answered_by, consent, thresholds`

func (s *ConsentStore) CreateConsentRequest(ctx context.Context, r *sesame.ConsentRequest) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO consent_requests (`+requestColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			r.ID, r.Partner, r.Person, string(r.Purpose), string(r.Scope), int64(r.Duration), r.RedirectURI, r.State, r.Status,
			tsNS(r.CreatedAt), tsNS(r.ExpiresAt), tsNullNS(r.AnsweredAt), r.AnsweredBy, r.Consent, sesame.FormatThresholds(r.Thresholds))
		return err
	})
}

func scanRequest(row interface{ Scan(...any) error }) (*sesame.ConsentRequest, error) {
	var r sesame.ConsentRequest
	var purpose, scope, thresholds string
	var dur, created, expires int64
	var answered sql.NullInt64
	if err := row.Scan(&r.ID, &r.Partner, &r.Person, &purpose, &scope, &dur, &r.RedirectURI, &r.State, &r.Status,
		&created, &expires, &answered, &r.AnsweredBy, &r.Consent, &thresholds); err != nil {
		return nil, err
	}
	var err error
	if r.Thresholds, err = sesame.ParseThresholds(thresholds); err != nil {
		return nil, err
	}
	r.Purpose, r.Scope, r.Duration = sesame.Purpose(purpose), sesame.Scope(scope), time.Duration(dur)
	r.CreatedAt, r.ExpiresAt, r.AnsweredAt = tsFromNS(created), tsFromNS(expires), tsFromNullNS(answered)
	return &r, nil
}

func (s *ConsentStore) ConsentRequest(ctx context.Context, id string) (*sesame.ConsentRequest, error) {
	r, err := scanRequest(s.db.reader.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM consent_requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no consent request %q", id)
	}
	return r, err
}

func (s *ConsentStore) PendingConsentRequests(ctx context.Context, person string) ([]*sesame.ConsentRequest, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+requestColumns+` FROM consent_requests WHERE person = ? AND status = ? ORDER BY created_at DESC`, person, sesame.RequestPending)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sesame.ConsentRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *ConsentStore) AnswerConsentRequest(ctx context.Context, id, person, status string, at time.Time, grant *sesame.Consent) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		consent := ""
		if grant != nil {
			consent = grant.ID
		}
		res, err := tx.ExecContext(ctx, `UPDATE consent_requests SET status = ?, answered_at = ?, answered_by = ?, consent = ?
			WHERE id = ? AND status = ? AND (person = '' OR person = ?)`, status, tsNS(at), person, consent, id, sesame.RequestPending, person)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sesame.Errorf(sesame.ECONFLICT, "the consent request %q is no longer pending", id)
		}
		if grant != nil {
			return insertConsent(ctx, tx, grant)
		}
		return nil
	})
}
