package postgres

import (
	"context"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// CredentialStore keeps credential signing keys, issued credentials and the
// disputes people raise about their events (the portal's writes) on
// PostgreSQL: the same contract as package sqlite's (credentialtest), so
// that every replica signs with the same keys and sees the same revocations.
type CredentialStore struct{ db *DB }

// Credentials returns the credential store of this database.
func (db *DB) Credentials() *CredentialStore { return &CredentialStore{db: db} }

var _ credential.Store = (*CredentialStore)(nil)

func (s *CredentialStore) SaveKey(ctx context.Context, k credential.StoredKey) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO credential_keys (`+sqlrow.SigningKeyColumns+`) VALUES ($1,$2,$3,$4,$5)`, sqlrow.SigningKeyValues(k)...)
	return err
}

func (s *CredentialStore) RetireKeys(ctx context.Context, keep string, at time.Time) error {
	_, err := s.db.pool.Exec(ctx, `UPDATE credential_keys SET retired_at = $1 WHERE kid <> $2 AND retired_at IS NULL`, ns(at), keep)
	return err
}

func (s *CredentialStore) Keys(ctx context.Context) ([]credential.StoredKey, error) {
	// kid breaks ties of the same nanosecond, as in package sqlite.
	rows, err := s.db.pool.Query(ctx, `SELECT `+sqlrow.SigningKeyColumns+` FROM credential_keys ORDER BY created DESC, kid DESC`)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanSigningKey)
}

func (s *CredentialStore) SaveCredential(ctx context.Context, r credential.Record) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO credentials (`+sqlrow.CredentialColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`, sqlrow.CredentialValues(r)...)
	if isUnique(err) {
		return sesame.Errorf(sesame.ECONFLICT, "credential %s or its status index exists already", r.ID)
	}
	return err
}

// RevokedStatusIndexes: the status list positions of the revoked
// credentials that have not expired.
func (s *CredentialStore) RevokedStatusIndexes(ctx context.Context, now time.Time) ([]int, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT status_idx FROM credentials
		WHERE status_idx IS NOT NULL AND revoked_at IS NOT NULL AND expires_at > $1 ORDER BY status_idx`, ns(now))
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanInt)
}

func (s *CredentialStore) Credential(ctx context.Context, id string) (credential.Record, error) {
	c, err := sqlrow.ScanCredential(s.db.pool.QueryRow(ctx, `SELECT `+sqlrow.CredentialColumns+` FROM credentials WHERE id = $1`, id))
	return c, notFound(err, "no credential %q", id)
}

func (s *CredentialStore) Credentials(ctx context.Context, person string) ([]credential.Record, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+sqlrow.CredentialColumns+` FROM credentials WHERE person = $1 ORDER BY issued_at DESC, id`, person)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanCredential)
}

// RevokeCredential marks the person's credential revoked; revoking twice
// keeps the first time. One statement: the person's own row or nothing.
func (s *CredentialStore) RevokeCredential(ctx context.Context, person, id string, at time.Time) error {
	tag, err := s.db.pool.Exec(ctx, `UPDATE credentials SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND person = $3`, ns(at), id, person)
	if err == nil && tag.RowsAffected() == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no credential %q", id)
	}
	return err
}

// DisputeEvent records that the person disputes one of their events. The
// event must be the person's (ENOTFOUND otherwise, so nobody learns of other
// people's events); disputing an event twice keeps the first dispute.
func (s *CredentialStore) DisputeEvent(ctx context.Context, person string, key sesame.EventKey, reason string, at time.Time) error {
	_, err := s.db.Disputes().OpenDispute(ctx, person, key, reason, "", at)
	if sesame.ErrorCode(err) == sesame.ECONFLICT {
		return nil // settled already: the first dispute stands
	}
	return err
}

// DisputedEvents returns when each of the person's disputed events was disputed.
func (s *CredentialStore) DisputedEvents(ctx context.Context, person string) (map[sesame.EventKey]time.Time, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT source, id, created_at FROM event_disputes WHERE person = $1`, person)
	if err != nil {
		return nil, err
	}
	return sqlrow.ScanDisputed(rows)
}
