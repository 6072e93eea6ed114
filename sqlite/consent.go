package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// ConsentStore keeps consents and consent requests (sesame.ConsentStore).
type ConsentStore struct{ db *DB }

// Consents returns the consent store of this database.
func (db *DB) Consents() *ConsentStore { return &ConsentStore{db: db} }

var _ sesame.ConsentStore = (*ConsentStore)(nil)

func insertConsent(ctx context.Context, tx *sql.Tx, c *sesame.Consent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO consents (`+sqlrow.ConsentColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)`, sqlrow.ConsentValues(c)...)
	return err
}

func (s *ConsentStore) CreateConsent(ctx context.Context, c *sesame.Consent) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error { return insertConsent(ctx, tx, c) })
}

func (s *ConsentStore) queryConsents(ctx context.Context, where string, args ...any) ([]*sesame.Consent, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+sqlrow.ConsentColumns+` FROM consents WHERE `+where+` ORDER BY granted_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanConsent)
}

func (s *ConsentStore) Consent(ctx context.Context, id string) (*sesame.Consent, error) {
	c, err := sqlrow.ScanConsent(s.db.reader.QueryRowContext(ctx, `SELECT `+sqlrow.ConsentColumns+` FROM consents WHERE id = ?`, id))
	return c, sqlrow.NotFound(err, "no consent %q", id)
}

func (s *ConsentStore) Consents(ctx context.Context, person string) ([]*sesame.Consent, error) {
	return s.queryConsents(ctx, `person = ?`, person)
}

func (s *ConsentStore) ConsentsBetween(ctx context.Context, person, partner string) ([]*sesame.Consent, error) {
	return s.queryConsents(ctx, `person = ? AND partner = ?`, person, partner)
}

func (s *ConsentStore) RevokeConsent(ctx context.Context, person, id string, at time.Time) error {
	n, err := s.db.exec(ctx, `UPDATE consents SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND person = ?`, tsNS(at), id, person)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no consent %q", id)
	}
	return err
}

func (s *ConsentStore) CreateConsentRequest(ctx context.Context, r *sesame.ConsentRequest) error {
	_, err := s.db.exec(ctx, `INSERT INTO consent_requests (`+sqlrow.RequestColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, sqlrow.RequestValues(r)...)
	return err
}

func (s *ConsentStore) ConsentRequest(ctx context.Context, id string) (*sesame.ConsentRequest, error) {
	r, err := sqlrow.ScanRequest(s.db.reader.QueryRowContext(ctx, `SELECT `+sqlrow.RequestColumns+` FROM consent_requests WHERE id = ?`, id))
	return r, sqlrow.NotFound(err, "no consent request %q", id)
}

func (s *ConsentStore) PendingConsentRequests(ctx context.Context, person string) ([]*sesame.ConsentRequest, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+sqlrow.RequestColumns+` FROM consent_requests WHERE person = ? AND status = ? ORDER BY created_at DESC`, person, sesame.RequestPending)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanRequest)
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
