package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame/recordtest"
)

func TestRecordStoreContract(t *testing.T) {
	recordtest.Run(t, func(t *testing.T) recordtest.Store {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db.Record()
	})
}
