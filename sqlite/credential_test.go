package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/credential/credentialtest"
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
	ctx := context.Background()
	db := openCredentialDB(t)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	ev := sesame.Event{Version: 1, Source: "bank", ID: "e1", Person: "alice", Kind: sesame.KindBillPaid, OccurredAt: at,
		Payload: &sesame.BillPaid{Bill: "b1", Amount: sesame.Money{Amount: 1000, Currency: "CNY"}}}
	if err := ev.Validate(time.Now()); err != nil {
		t.Skipf("fixture event no longer valid (payload changed?): %v", err)
	}
	if _, err := db.Events().Append(ctx, []sesame.Event{ev}); err != nil {
		t.Fatal(err)
	}
	cs := db.Credentials()
	if err := cs.DisputeEvent(ctx, "bob", ev.Key(), "not mine", at); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("bob disputed alice's event: %v", err)
	}
	for range 2 {
		if err := cs.DisputeEvent(ctx, "alice", ev.Key(), "never happened", at); err != nil {
			t.Fatal(err)
		}
	}
	got, err := cs.DisputedEvents(ctx, "alice")
	if err != nil || len(got) != 1 || !got[ev.Key()].Equal(at) {
		t.Fatalf("DisputedEvents = %v, %v", got, err)
	}
}
