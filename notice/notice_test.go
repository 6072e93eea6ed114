package notice_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/notice"
	"github.com/sesame-credit/sesame/sqlite"
)

// receiver is a source's webhook that fails its first `fail` requests with
// a 500, checks each signature, and keeps each notice once by its
// idempotency key, as a receiver should.
type receiver struct {
	mu       sync.Mutex
	secret   string
	fail     int
	attempts int
	keys     []string
	kept     map[string][]byte
	badSig   int
	clock    *time.Time // the sender's clock, as the receiver's
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	rc.keys = append(rc.keys, r.Header.Get("Idempotency-Key"))
	if !notice.Verify(rc.secret, r.Header.Get(notice.SignatureHeader), body, *rc.clock, 5*time.Minute) {
		rc.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rc.attempts <= rc.fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if _, dup := rc.kept[r.Header.Get("Idempotency-Key")]; !dup {
		rc.kept[r.Header.Get("Idempotency-Key")] = body
	}
	w.WriteHeader(http.StatusNoContent)
}

// A webhook that answers 500 three times still gets the notice, once,
// after backoff; the retries carry the same idempotency key and a valid
// signature; nothing is sent again once delivered.
func TestWebhookRetriedUntilDeliveredOnce(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sesame.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rc := &receiver{secret: "whsec-bank", fail: 3, kept: map[string][]byte{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	if err := db.Outbox().SetWebhook(ctx, sesame.Webhook{Recipient: sesame.SourceRecipient("bank"), URL: hook.URL, Secret: rc.secret}); err != nil {
		t.Fatal(err)
	}
	// A dispute step writes the notice in its own transaction.
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e := ledgertest.NewEvent("bank", "e1", "alice", sesame.KindPaymentMade, at.AddDate(0, 0, -5), 1)
	if _, err := db.Events().Append(ctx, []sesame.Event{e}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Disputes().OpenDispute(ctx, "alice", e.Key(), "not mine", "", at); err != nil {
		t.Fatal(err)
	}
	now := at
	rc.clock = &now
	d := &notice.Deliverer{Outbox: db.Outbox(), Now: func() time.Time { return now }}
	var waits []time.Duration
	for round := 0; round < 10; round++ {
		delivered, _, err := d.DeliverDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if delivered == 1 {
			break
		}
		// Nothing is due again before the backoff has passed.
		due, err := db.Outbox().Due(ctx, now, 10)
		if err != nil || len(due) != 0 {
			t.Fatalf("due again at once: %d, %v", len(due), err)
		}
		pending, _ := db.Outbox().Notices(ctx, sesame.SourceRecipient("bank"), 10)
		wait := pending[0].NextAttempt.Sub(now)
		waits = append(waits, wait)
		now = now.Add(wait)
	}
	if rc.attempts != 4 || len(rc.kept) != 1 || rc.badSig != 0 {
		t.Fatalf("attempts %d, kept %d, bad signatures %d; want 4 attempts and the notice kept once", rc.attempts, len(rc.kept), rc.badSig)
	}
	for _, k := range rc.keys {
		if k != rc.keys[0] || k == "" {
			t.Fatalf("idempotency keys differ across retries: %v", rc.keys)
		}
	}
	if len(waits) != 3 || waits[1] != 2*waits[0] || waits[2] != 2*waits[1] {
		t.Fatalf("backoff %v, want three doubling waits", waits)
	}
	var got struct {
		ID    string         `json:"id"`
		Topic string         `json:"topic"`
		Body  sesame.Dispute `json:"body"`
	}
	for _, b := range rc.kept {
		json.Unmarshal(b, &got)
	}
	if got.Topic != "dispute.opened" || got.Body.EventID != "e1" || got.ID != rc.keys[0] {
		t.Fatalf("notice %+v", got)
	}
	// Delivered: later rounds send nothing.
	now = now.Add(24 * time.Hour)
	if delivered, failed, err := d.DeliverDue(ctx); err != nil || delivered+failed != 0 || rc.attempts != 4 {
		t.Fatalf("after delivery: %d delivered, %d failed, %v; %d attempts", delivered, failed, err, rc.attempts)
	}
	// The person's copy is in their inbox.
	inbox, err := db.Outbox().Notices(ctx, sesame.PersonRecipient("alice"), 10)
	if err != nil || len(inbox) != 1 || inbox[0].Topic != "dispute.opened" || inbox[0].DeliveredAt.IsZero() {
		t.Fatalf("inbox %+v, %v", inbox, err)
	}
}

func TestSignature(t *testing.T) {
	now := time.Now()
	body := []byte(`{"id":"n1"}`)
	h := notice.Sign("s3cret", now, body)
	if !notice.Verify("s3cret", h, body, now, time.Minute) {
		t.Fatal("own signature refused")
	}
	for _, c := range []struct {
		secret string
		body   string
		at     time.Time
	}{{"other", `{"id":"n1"}`, now}, {"s3cret", `{"id":"n2"}`, now}, {"s3cret", `{"id":"n1"}`, now.Add(time.Hour)}} {
		if notice.Verify(c.secret, h, []byte(c.body), c.at, time.Minute) {
			t.Errorf("accepted with secret %q, body %s, %s later", c.secret, c.body, c.at.Sub(now))
		}
	}
}
