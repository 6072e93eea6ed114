package http

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// TestEraseRoutes: a bad address for mail is a 400 naming the field;
// POST /v1/me/erasure without confirm is a 400 naming the field and
// erases nothing; DELETE /v1/me erases the person's events and
// mail address and answers with the receipt, the other person's stay, and the log verifies;
// events for alice sent after it are answered "erased" and not stored.
func TestEraseRoutes(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.srv.Eraser = ts.db.Eraser()
	ts.srv.Mail = ts.db.Outbox()
	ts.srv.Auth.AddToken(personToken, Principal{Role: RolePerson, Name: "alice"})
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(
		eventLine(t, "bank", "e1", "alice", sesame.KindPaymentMade, at, 1),
		eventLine(t, "bank", "e2", "bob", sesame.KindPaymentMade, at, 2))))
	ctx := context.Background()
	if err := ts.db.AccessLog().AppendAccess(ctx, &sesame.AccessEntry{Person: "alice", Actor: "partner:acme", Action: "score.read", Outcome: sesame.AccessAllowed}); err != nil {
		t.Fatal(err)
	}

	e := errorAnswer(t, ts.do("PUT", "/v1/me/email", personToken, "application/json", strings.NewReader(`{"address":"not an address"}`)), 400, sesame.EINVALID)
	if !strings.Contains(e.Message, "address") {
		t.Errorf("message %q does not name address", e.Message)
	}
	if w := ts.do("PUT", "/v1/me/email", personToken, "application/json", strings.NewReader(`{"address":"alice@example.org"}`)); w.Code != 200 {
		t.Fatalf("PUT /v1/me/email: %d %s", w.Code, w.Body)
	}
	e = errorAnswer(t, ts.do("POST", "/v1/me/erasure", personToken, "application/json", strings.NewReader(`{}`)), 400, sesame.EINVALID)
	if !strings.Contains(e.Message, "confirm") {
		t.Errorf("message %q does not name confirm", e.Message)
	}
	if n := countEvents(t, ts, "alice"); n != 1 {
		t.Fatalf("an unconfirmed erasure left %d events, want 1", n)
	}
	w := ts.do("DELETE", "/v1/me", personToken, "", nil)
	if w.Code != 200 {
		t.Fatalf("DELETE /v1/me: %d %s", w.Code, w.Body)
	}
	var receipt sesame.Erasure
	json.Unmarshal(w.Body.Bytes(), &receipt)
	if receipt.Deleted["events"] != 1 || receipt.Deleted["mail_addresses"] != 1 || receipt.AccessErased != 1 || !strings.HasPrefix(receipt.Receipt, "erasure:") {
		t.Fatalf("receipt %s", w.Body)
	}
	if n := countEvents(t, ts, "alice"); n != 0 {
		t.Errorf("alice has %d events after erasure", n)
	}
	if n := countEvents(t, ts, "bob"); n != 1 {
		t.Errorf("bob has %d events after alice's erasure, want 1", n)
	}
	r, err := audit.Verify(ctx, ts.db.AccessLog(), audit.Options{})
	if err != nil || !r.OK {
		t.Fatalf("the log after erasure: %+v %v", r, err)
	}
	// A source resending alice's event, or sending a new one, stores nothing.
	ans := decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(
		eventLine(t, "bank", "e1", "alice", sesame.KindPaymentMade, at, 1),
		eventLine(t, "bank", "e3", "alice", sesame.KindPaymentMade, at.Add(time.Hour), 3),
		eventLine(t, "bank", "e4", "bob", sesame.KindPaymentMade, at.Add(time.Hour), 4))))
	if ans.Erased != 2 || ans.Accepted != 1 || ans.Results[0].Status != "erased" || !strings.Contains(ans.Results[0].Reason, "erased") {
		t.Fatalf("ingest after the erasure: %+v", ans)
	}
	if n := countEvents(t, ts, "alice"); n != 0 {
		t.Errorf("alice has %d events after a resend", n)
	}
}

func countEvents(t *testing.T, ts *testServer, person string) int {
	t.Helper()
	var n int
	if err := ts.db.Reader().QueryRow(`SELECT count(*) FROM events WHERE person = ?`, person).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
