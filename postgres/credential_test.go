package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/credential/credentialtest"
	"github.com/sesame-credit/sesame/portal"
)

func TestCredentialStoreContract(t *testing.T) {
	credentialtest.TestStore(t, func(t *testing.T) credential.Store { return openFresh(t).Credentials() })
}

func TestEventDisputes(t *testing.T) {
	credentialtest.TestDisputes(t, func(t *testing.T) (sesame.EventStore, portal.Disputes) {
		db := openFresh(t)
		return db.Events(), db.Credentials()
	})
}

// TestCredentialNeedsItsKey: a credential names a stored key (a foreign
// key, as in package sqlite), so one signed by an unknown kid is refused.
func TestCredentialNeedsItsKey(t *testing.T) {
	s := openFresh(t).Credentials()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	r := credential.Record{ID: "c1", Person: "p1", Kind: credential.KindScore, Band: sesame.VeryGood, Score: 660,
		AsOf: "2026-11-25", KID: "missing", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), Token: "x.y.z"}
	if err := s.SaveCredential(context.Background(), r); err == nil {
		t.Fatal("a credential of an unknown key was saved")
	}
}
