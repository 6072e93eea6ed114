package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/credential/credentialtest"
)

func TestCredentialStoreContract(t *testing.T) {
	credentialtest.TestStore(t, func(t *testing.T) credential.Store { return openFresh(t).Credentials() })
}

// TestEventDisputes is sqlite's TestEventDisputes on PostgreSQL: only the
// event's person may dispute it, and disputing twice keeps the first.
func TestEventDisputes(t *testing.T) {
	ctx := context.Background()
	db := openFresh(t)
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
	if err := cs.DisputeEvent(ctx, "alice", sesame.EventKey{Source: "bank", ID: "nope"}, "never happened", at); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("alice disputed an event nobody sent: %v", err)
	}
	for i := range 2 {
		if err := cs.DisputeEvent(ctx, "alice", ev.Key(), "never happened", at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := cs.DisputedEvents(ctx, "alice")
	if err != nil || len(got) != 1 || !got[ev.Key()].Equal(at) {
		t.Fatalf("DisputedEvents = %v, %v, want the first dispute only", got, err)
	}
	if got, err := cs.DisputedEvents(ctx, "bob"); err != nil || len(got) != 0 {
		t.Fatalf("bob's disputes = %v, %v, want none", got, err)
	}
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
