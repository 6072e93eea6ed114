package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

// openTemp opens a fresh database in the test's temporary directory.
func openTemp(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sesame.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLedgerContract(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledgertest.Store { return openTemp(t).Events() })
}
