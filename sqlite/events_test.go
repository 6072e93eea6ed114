package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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

func TestErasureContract(t *testing.T) {
	ledgertest.RunErasures(t, func(t *testing.T) (ledgertest.Store, sesame.Eraser) {
		db := openTemp(t)
		return db.Events(), db.Eraser()
	})
}

func TestErasureContractPrepared(t *testing.T) {
	ledgertest.RunErasures(t, func(t *testing.T) (ledgertest.Store, sesame.Eraser) {
		db := openTemp(t)
		return preparedStore{db.Events()}, db.Eraser()
	})
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

// The raw scan leaves out a record whose dispute took it out of scoring.
func TestScanRawLeavesOutSuppressed(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	e1 := ledgertest.NewEvent("bank", "e1", "alice", sesame.KindPaymentMade, at, 1)
	e2 := ledgertest.NewEvent("bank", "e2", "alice", sesame.KindPaymentMade, at.Add(time.Hour), 2)
	if _, err := db.Events().Append(ctx, []sesame.Event{e1, e2}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		if err := db.Events().ScanRaw(ctx, sqlite.RawScan{}, func(b *sqlite.RawBatch) error {
			for _, p := range b.People {
				n += len(p.Events)
			}
			b.Release()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 2 {
		t.Fatalf("%d events before any dispute", n)
	}
	if _, err := db.Disputes().OpenDispute(ctx, "alice", e1.Key(), "not mine", "", at); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d events with a dispute open, want 2: it counts until settled", n)
	}
	if _, err := db.Disputes().ExpireDisputes(ctx, at.Add(sesame.DisputeWindow)); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d events after suppression, want 1", n)
	}
}
