package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame/consenttest"
)

func TestTrustStoresContract(t *testing.T) {
	consenttest.Run(t, func(t *testing.T) consenttest.Stores {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return consenttest.Stores{Partners: db.Partners(), Sessions: db.Sessions(), Consents: db.Consents(), AccessLog: db.AccessLog(), Decisions: db.Decisions()}
	})
}
