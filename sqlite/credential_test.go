package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/credential/credentialtest"
	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/sqlite"
)

func openCredentialDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCredentialStoreContract(t *testing.T) {
	credentialtest.TestStore(t, func(t *testing.T) credential.Store { return openCredentialDB(t).Credentials() })
}

func TestEventDisputes(t *testing.T) {
	credentialtest.TestDisputes(t, func(t *testing.T) (sesame.EventStore, portal.Disputes) {
		db := openCredentialDB(t)
		return db.Events(), db.Credentials()
	})
}
