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
type CredentialStore struct {
	sqlrow.CredentialSQL
	db *DB
}

// Credentials returns the credential store of this database.
func (db *DB) Credentials() *CredentialStore {
	return &CredentialStore{sqlrow.CredentialSQL{Q: db.q(), IsUnique: isUnique}, db}
}

var _ credential.Store = (*CredentialStore)(nil)

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
