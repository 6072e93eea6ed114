package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame"
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

// preparedStore appends through PrepareAppend and AppendPrepared, the
// path `sesame ingest` takes (the Loader prepares the next batch while the
// store writes the one before).
type preparedStore struct{ *sqlite.EventStore }

func (p preparedStore) Append(ctx context.Context, events []sesame.Event) ([]sesame.AppendResult, error) {
	pe, err := p.PrepareAppend(events)
	if err != nil {
		return nil, err
	}
	return p.AppendPrepared(ctx, pe)
}

func TestLedgerContractPrepared(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledgertest.Store { return preparedStore{openTemp(t).Events()} })
}

func TestWatermarkContract(t *testing.T) {
	ledgertest.RunWatermarks(t, func(t *testing.T) sesame.WatermarkStore { return openTemp(t).Watermarks() })
}

func TestDisputeContract(t *testing.T) {
	ledgertest.RunDisputes(t, func(t *testing.T) (ledgertest.Store, sesame.DisputeStore) {
		db := openTemp(t)
		return db.Events(), db.Disputes()
	})
}

func TestOutboxContract(t *testing.T) {
	ledgertest.RunOutbox(t, func(t *testing.T) (ledgertest.Store, sesame.DisputeStore, sesame.Outbox) {
		db := openTemp(t)
		return db.Events(), db.Disputes(), db.Outbox()
	})
}
