package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// ConsentStore keeps consents and consent requests (sesame.ConsentStore).
// Its reads and one-statement writes are the same as on PostgreSQL
// (sqlrow.ConsentSQL).
type ConsentStore struct {
	sqlrow.ConsentSQL
	db *DB
}

// Consents returns the consent store of this database.
func (db *DB) Consents() *ConsentStore { return &ConsentStore{sqlrow.ConsentSQL{Q: db.q()}, db} }

var _ sesame.ConsentStore = (*ConsentStore)(nil)

func insertConsent(ctx context.Context, tx *sql.Tx, c *sesame.Consent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO consents (`+sqlrow.ConsentColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)`, sqlrow.ConsentValues(c)...)
	return err
}

func (s *ConsentStore) CreateConsent(ctx context.Context, c *sesame.Consent) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error { return insertConsent(ctx, tx, c) })
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
