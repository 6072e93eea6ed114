package client_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/client"
	"github.com/sesame-credit/sesame/consent"
	sesamehttp "github.com/sesame-credit/sesame/http"
	"github.com/sesame-credit/sesame/http/openapitest"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

// apiSpec checks every answer the tests get against the API's document.
var apiSpec = openapitest.New(sesamehttp.OpenAPI())

// newServer is a real server on a real SQLite ledger.
func newServer(t *testing.T) string {
	t.Helper()
	url, _ := newServerOn(t)
	return url
}

// newServerOn is newServer that also returns its database.
func newServerOn(t *testing.T) (string, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := sesamehttp.NewServer(sesamehttp.Config{})
	srv.Events = db.Events()
	srv.Auth.AddToken("op", sesamehttp.Principal{Role: sesamehttp.RoleOperator, Name: "op"})
	// Operators' reads of events are written to the person's access log first.
	srv.UseTrust(&sesamehttp.Trust{Partners: &auth.Partners{Store: db.Partners()}, People: &auth.People{Store: db.Sessions()},
		Gate: &consent.Gate{Audit: &audit.Recorder{Log: db.AccessLog()}}, AccessLog: db.AccessLog()})
	hs := httptest.NewServer(apiSpec.Checking(t, srv.Handler()))
	t.Cleanup(hs.Close)
	return hs.URL, db
}

// TestAccessHead: no head before the server signs one, then the one it
// signed, signature and all.
func TestAccessHead(t *testing.T) {
	ctx := context.Background()
	base, db := newServerOn(t)
	c := &client.Client{BaseURL: base}
	if h, err := c.AccessHead(ctx); err != nil || h != nil {
		t.Fatalf("before any head: %+v, %v", h, err)
	}
	signed, err := audit.SignNow(ctx, db.AccessLog(), ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.AccessHead(ctx)
	if err != nil || h == nil || h.Root != signed.Root || h.Signature != signed.Signature || audit.VerifyHeadSignature(h, signed.PublicKey) != nil {
		t.Fatalf("the head read back %+v, %v; want %+v", h, err, signed)
	}
}

// TestIngestAndPageEvents: a batch goes in once (again: duplicates), and
// reading pages through every event in order, with the kind filter.
func TestIngestAndPageEvents(t *testing.T) {
	ctx := context.Background()
	c := client.New(newServer(t), "op")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var events []sesame.Event
	for i := 0; i < 25; i++ {
		events = append(events, ledgertest.NewEvent("bank", "e"+string(rune('a'+i)), "p1", sesame.KindBillPaid, t0.AddDate(0, 0, i), i))
	}
	res, err := c.Ingest(ctx, events)
	if err != nil || res.Accepted != 25 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	if res, err := c.Ingest(ctx, events); err != nil || res.Duplicates != 25 || res.Accepted != 0 {
		t.Fatalf("ingest again: %+v %v", res, err)
	}
	got, err := c.Events(ctx, "p1", client.EventQuery{PageSize: 7})
	if err != nil || len(got) != 25 {
		t.Fatalf("events in pages of 7: %d %v", len(got), err)
	}
	for i := range got {
		if got[i].ID != events[i].ID {
			t.Fatalf("event %d is %s, want %s", i, got[i].ID, events[i].ID)
		}
	}
	if got, err := c.Events(ctx, "p1", client.EventQuery{From: t0.AddDate(0, 0, 20)}); err != nil || len(got) != 5 {
		t.Errorf("events from day 20: %d %v", len(got), err)
	}
}

// TestErrors: the API's errors come back as *client.Error with the code,
// the status and the field at fault.
func TestErrors(t *testing.T) {
	ctx := context.Background()
	base := newServer(t)
	_, err := client.New(base, "wrong").Events(ctx, "p1", client.EventQuery{})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 401 || e.Code != sesame.EUNAUTHORIZED || e.RequestID == "" {
		t.Errorf("bad token: %v", err)
	}
	_, err = client.New(base, "op").Events(ctx, "p1", client.EventQuery{PageSize: 5000})
	if !errors.As(err, &e) || e.Status != 400 || e.Code != sesame.EINVALID || len(e.Details) != 1 || e.Details[0].Field != "limit" {
		t.Errorf("page size 5000: %v", err)
	}
}
