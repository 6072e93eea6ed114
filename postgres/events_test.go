package postgres_test

import (
	"context"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

// openFresh opens a database in a schema of its own (see pgtest).
func openFresh(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.FreshURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLedgerContract(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledgertest.Store { return openFresh(t).Events() })
}

func TestMigrationsApplyOnce(t *testing.T) {
	db := openFresh(t)
	vs, err := db.Migrations(context.Background())
	if err != nil || len(vs) == 0 || vs[0] != 1 {
		t.Fatalf("migrations %v, %v", vs, err)
	}
}

func TestErasureContract(t *testing.T) {
	ledgertest.RunErasures(t, func(t *testing.T) (ledgertest.Store, sesame.Eraser) {
		db := openFresh(t)
		return db.Events(), db.Eraser()
	})
}

func TestWatermarkContract(t *testing.T) {
	ledgertest.RunWatermarks(t, func(t *testing.T) sesame.WatermarkStore { return openFresh(t).Watermarks() })
}

func TestDisputeContract(t *testing.T) {
	ledgertest.RunDisputes(t, func(t *testing.T) (ledgertest.Store, sesame.DisputeStore) {
		db := openFresh(t)
		return db.Events(), db.Disputes()
	})
}

func TestOutboxContract(t *testing.T) {
	ledgertest.RunOutbox(t, func(t *testing.T) (ledgertest.Store, sesame.DisputeStore, sesame.Outbox) {
		db := openFresh(t)
		return db.Events(), db.Disputes(), db.Outbox()
	})
}
