package ledgertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// RunOutbox holds an Outbox to its contract: a dispute step writes its
// notices in its own transaction — the person's delivered to their inbox,
// the source's pending — and a pending notice is due only with a webhook,
// not before its next attempt, never once delivered or given up.
func RunOutbox(t *testing.T, open func(t *testing.T) (Store, sesame.DisputeStore, sesame.Outbox)) {
	ctx := context.Background()
	events, ds, ob := open(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e1 := NewEvent("bank", "e1", "alice", sesame.KindPaymentMade, at.AddDate(0, 0, -3), 1)
	e2 := NewEvent("bank", "e2", "alice", sesame.KindPaymentMade, at.AddDate(0, 0, -2), 2)
	mustAppend(t, events, e1, e2)
	if _, err := ds.OpenDispute(ctx, "alice", e1.Key(), "not mine", "", at); err != nil {
		t.Fatal(err)
	}
	if _, err := ds.OpenDispute(ctx, "alice", e1.Key(), "again", "", at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	inbox, err := ob.Notices(ctx, sesame.PersonRecipient("alice"), 10)
	if err != nil || len(inbox) != 1 || inbox[0].Topic != "dispute.opened" || inbox[0].DeliveredAt.IsZero() || inbox[0].ID == "" {
		t.Fatalf("inbox %+v, %v; want one delivered dispute.opened (a repeated open writes nothing)", inbox, err)
	}
	if due, err := ob.Due(ctx, at.Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Fatalf("due without a webhook: %+v, %v", due, err)
	}
	if _, err := ob.Webhook(ctx, sesame.SourceRecipient("bank")); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("no webhook yet: %v", err)
	}
	hook := sesame.Webhook{Recipient: sesame.SourceRecipient("bank"), URL: "https://bank.example/hooks", Secret: "s1"}
	if err := ob.SetWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	if w, err := ob.Webhook(ctx, hook.Recipient); err != nil || w != hook {
		t.Fatalf("webhook %+v, %v", w, err)
	}
	due, err := ob.Due(ctx, at, 10)
	if err != nil || len(due) != 1 || due[0].Recipient != hook.Recipient || string(due[0].Body) == "" {
		t.Fatalf("due %+v, %v", due, err)
	}
	id := due[0].ID
	if err := ob.Failed(ctx, id, at.Add(time.Minute), "webhook answered 500"); err != nil {
		t.Fatal(err)
	}
	if due, _ := ob.Due(ctx, at.Add(59*time.Second), 10); len(due) != 0 {
		t.Fatalf("due before its next attempt: %+v", due)
	}
	if due, _ := ob.Due(ctx, at.Add(time.Minute), 10); len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "webhook answered 500" {
		t.Fatalf("due after the wait: %+v", due)
	}
	if err := ob.Delivered(ctx, id, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if due, _ := ob.Due(ctx, at.Add(time.Hour), 10); len(due) != 0 {
		t.Fatalf("due once delivered: %+v", due)
	}
	// Given up: stays, with its error, and is never due.
	if _, err := ds.OpenDispute(ctx, "alice", e2.Key(), "wrong amount", "", at); err != nil {
		t.Fatal(err)
	}
	due, _ = ob.Due(ctx, at, 10)
	if len(due) != 1 {
		t.Fatalf("the second dispute's notice: %+v", due)
	}
	if err := ob.Failed(ctx, due[0].ID, time.Time{}, "gone"); err != nil {
		t.Fatal(err)
	}
	if due, _ := ob.Due(ctx, at.AddDate(1, 0, 0), 10); len(due) != 0 {
		t.Fatalf("due after giving up: %+v", due)
	}
	if all, err := ob.Notices(ctx, hook.Recipient, 10); err != nil || len(all) != 2 {
		t.Fatalf("the source's notices: %d, %v", len(all), err)
	}
	t.Run("Paging", func(t *testing.T) { testNoticePages(t, open) })
}

// testNoticePages: an inbox longer than the 1000 notices a page may hold
// reads page by page from the last notice, newest first with ties on time
// in id order, as the whole list reads in one go: no repeats or gaps.
func testNoticePages(t *testing.T, open func(t *testing.T) (Store, sesame.DisputeStore, sesame.Outbox)) {
	events, ds, ob := open(t)
	const n = 1203
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	es := make([]sesame.Event, n)
	for i := range es {
		es[i] = NewEvent("bank", fmt.Sprintf("e%d", i), "bob", sesame.KindPaymentMade, at.AddDate(0, 0, -1), i+1)
	}
	mustAppend(t, events, es...)
	for i, e := range es {
		// Three notices share each time.
		if _, err := ds.OpenDispute(ctx, "bob", e.Key(), "not mine", "", at.Add(time.Duration(i/3)*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	inbox := sesame.PersonRecipient("bob")
	all, err := ob.Notices(ctx, inbox, 2*n)
	if err != nil || len(all) != n {
		t.Fatalf("the whole inbox: %d notices, %v; want %d", len(all), err, n)
	}
	var got []sesame.Notice
	var after sesame.Position
	for pages := 0; pages <= n/100+1; pages++ {
		page, err := ob.NoticesAfter(ctx, inbox, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if len(page) < 100 {
			break
		}
		last := page[len(page)-1]
		after = sesame.Position{At: last.CreatedAt, ID: last.ID}
	}
	if len(got) != n {
		t.Fatalf("paged %d notices, want %d", len(got), n)
	}
	for i := range got {
		if got[i].ID != all[i].ID {
			t.Fatalf("notice %d of the pages is %s, of the whole list %s", i, got[i].ID, all[i].ID)
		}
		if i > 0 && (got[i].CreatedAt.After(got[i-1].CreatedAt) || got[i].CreatedAt.Equal(got[i-1].CreatedAt) && got[i].ID < got[i-1].ID) {
			t.Fatalf("notice %d (%s at %s) out of order after %s at %s", i, got[i].ID, got[i].CreatedAt, got[i-1].ID, got[i-1].CreatedAt)
		}
	}
}
