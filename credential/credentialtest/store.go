// Package credentialtest holds the contract tests every credential.Store
// implementation must pass (the in-memory one, package sqlite's and package
// postgres's).
package credentialtest

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/portal"
)

// TestStore runs the contract against stores made by newStore (each call a fresh, empty store).
func TestStore(t *testing.T, newStore func(t *testing.T) credential.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

	t.Run("keys newest first and retirement", func(t *testing.T) {
		s := newStore(t)
		a := credential.StoredKey{KID: "a", Created: t0, Public: make([]byte, 32), Sealed: []byte{1}}
		b := credential.StoredKey{KID: "b", Created: t0.Add(time.Hour), Public: make([]byte, 32), Sealed: []byte{2}}
		for _, k := range []credential.StoredKey{a, b} {
			if err := s.SaveKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RetireKeys(ctx, "b", t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		keys, err := s.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || keys[0].KID != "b" || keys[1].KID != "a" {
			t.Fatalf("keys = %+v, want b then a", keys)
		}
		if !keys[0].RetiredAt.IsZero() || !keys[1].RetiredAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("retirement wrong: %v %v", keys[0].RetiredAt, keys[1].RetiredAt)
		}
		if string(keys[1].Sealed) != "\x01" || len(keys[1].Public) != 32 {
			t.Fatal("key material not round-tripped")
		}
	})

	t.Run("credentials and revocation", func(t *testing.T) {
		s := newStore(t)
		// Stores may require a credential's key to exist.
		if err := s.SaveKey(ctx, credential.StoredKey{KID: "a", Created: t0, Public: make([]byte, 32), Sealed: []byte{1}}); err != nil {
			t.Fatal(err)
		}
		r := credential.Record{ID: "c1", Person: "p1", Kind: credential.KindScore, Band: sesame.VeryGood, Score: 660,
			AsOf: "2026-11-25", KID: "a", IssuedAt: t0, ExpiresAt: t0.Add(24 * time.Hour), Token: "x.y.z"}
		r2 := r
		r2.ID, r2.IssuedAt = "c2", t0.Add(time.Minute)
		for _, x := range []credential.Record{r, r2} {
			if err := s.SaveCredential(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Credential(ctx, "c1")
		if err != nil || got.Score != 660 || got.Token != "x.y.z" || !got.ExpiresAt.Equal(r.ExpiresAt) {
			t.Fatalf("Credential = %+v, %v", got, err)
		}
		if _, err := s.Credential(ctx, "nope"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
			t.Fatalf("missing credential: %v, want not_found", err)
		}
		list, err := s.Credentials(ctx, "p1")
		if err != nil || len(list) != 2 || list[0].ID != "c2" {
			t.Fatalf("Credentials = %+v, %v", list, err)
		}
		if err := s.RevokeCredential(ctx, "p2", "c1", t0); sesame.ErrorCode(err) != sesame.ENOTFOUND {
			t.Fatalf("another person revoked c1: %v", err)
		}
		if err := s.RevokeCredential(ctx, "p1", "c1", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeCredential(ctx, "p1", "c1", t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Credential(ctx, "c1")
		if !got.RevokedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("RevokedAt = %v, want the first revocation", got.RevokedAt)
		}
	})

	t.Run("status list positions", func(t *testing.T) {
		s := newStore(t)
		if err := s.SaveKey(ctx, credential.StoredKey{KID: "a", Created: t0, Public: make([]byte, 32), Sealed: []byte{1}}); err != nil {
			t.Fatal(err)
		}
		rec := func(id string, idx int, expires time.Time) credential.Record {
			return credential.Record{ID: id, Person: "p1", Kind: credential.KindScore, Band: sesame.VeryGood, Score: 660,
				AsOf: "2026-11-25", KID: "a", IssuedAt: t0, ExpiresAt: expires, Token: "x.y.z", StatusIndex: &idx}
		}
		for _, r := range []credential.Record{rec("live", 7, t0.Add(48*time.Hour)), rec("short", 900000, t0.Add(2*time.Hour)), rec("kept", 3, t0.Add(48*time.Hour))} {
			if err := s.SaveCredential(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		old := rec("old", 0, t0.Add(48*time.Hour))
		old.StatusIndex = nil
		if err := s.SaveCredential(ctx, old); err != nil {
			t.Fatalf("a credential without a status position: %v", err)
		}
		if err := s.SaveCredential(ctx, rec("dup", 7, t0.Add(48*time.Hour))); sesame.ErrorCode(err) != sesame.ECONFLICT {
			t.Fatalf("a taken status position: %v, want conflict", err)
		}
		if got, _ := s.Credential(ctx, "live"); got.StatusIndex == nil || *got.StatusIndex != 7 {
			t.Fatalf("status index not round-tripped: %+v", got.StatusIndex)
		}
		if got, _ := s.Credential(ctx, "old"); got.StatusIndex != nil {
			t.Fatalf("no status index came back as %d", *got.StatusIndex)
		}
		for _, id := range []string{"live", "short", "old"} {
			if err := s.RevokeCredential(ctx, "p1", id, t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		idx, err := s.RevokedStatusIndexes(ctx, t0.Add(3*time.Hour))
		if err != nil || len(idx) != 1 || idx[0] != 7 {
			t.Fatalf("revoked positions after the short one expired = %v, %v; want [7]", idx, err)
		}
		if idx, _ := s.RevokedStatusIndexes(ctx, t0.Add(time.Hour)); len(idx) != 2 {
			t.Fatalf("revoked positions = %v, want 7 and 900000", idx)
		}
	})
}

// TestDisputes runs the contract of portal.Disputes, which the credential
// stores implement, on a fresh database made by open: its ledger and its
// disputes. Only the event's person may dispute
// it (ENOTFOUND otherwise, as for an event nobody sent, so nobody learns of
// other people's events), and disputing twice keeps the first dispute.
func TestDisputes(t *testing.T, open func(t *testing.T) (sesame.EventStore, portal.Disputes)) {
	ctx := context.Background()
	events, cs := open(t)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	ev := sesame.Event{Version: 1, Source: "bank", ID: "e1", Person: "alice", Kind: sesame.KindBillPaid, OccurredAt: at,
		Payload: &sesame.BillPaid{Bill: "b1", Amount: sesame.Money{Amount: 1000, Currency: "CNY"}}}
	if err := ev.Validate(time.Now()); err != nil {
		t.Fatalf("the fixture event is no longer valid: %v", err)
	}
	if _, err := events.Append(ctx, []sesame.Event{ev}); err != nil {
		t.Fatal(err)
	}
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
