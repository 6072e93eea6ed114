package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame/statstest"
)

func TestStatsContract(t *testing.T) {
	statstest.Run(t, func(t *testing.T) statstest.Stores {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return statstest.Stores{Stats: db, Scores: db.Scores(), Consents: db.Consents(), Decisions: db.Decisions(), Credentials: db.Credentials()}
	})
}
