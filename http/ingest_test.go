package http

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

var t0 = time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("", 8*3600))

func TestIngestNDJSONStoresAndReadsBack(t *testing.T) {
	ts := newTestServer(t, Config{})
	body := ndjson(
		eventLine(t, "bank", "e1", "p1", sesame.KindPaymentMade, t0, 1),
		"", // blank lines are not records
		eventLine(t, "bank", "e2", "p1", sesame.KindBillPaid, t0.Add(time.Hour), 2),
	)
	a := decodeIngest(t, ts.ingest("application/x-ndjson", body))
	if a.Accepted != 2 || a.Duplicates+a.Conflicts+a.Rejected != 0 || len(a.Results) != 2 {
		t.Fatalf("answer %+v", a)
	}
	if r := a.Results[1]; r.Line != 3 || r.Source != "bank" || r.ID != "e2" || r.Status != "accepted" || r.RecordedAt.IsZero() {
		t.Fatalf("second result %+v: want line 3, bank/e2, accepted, recorded_at", r)
	}
	w := ts.do("GET", "/v1/people/p1/events", operatorToken, "", nil)
	var page sesame.EventPage
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &page) != nil {
		t.Fatalf("read back: %d %s", w.Code, w.Body)
	}
	if len(page.Events) != 2 || page.Events[0].ID != "e1" || page.Events[1].Kind != sesame.KindBillPaid || page.Next != "" {
		t.Fatalf("read back %+v", page)
	}
	if !page.Events[0].OccurredAt.Equal(t0) || page.Events[0].RecordedAt.IsZero() {
		t.Fatalf("times not kept: %+v", page.Events[0])
	}
}

func TestIngestJSONArray(t *testing.T) {
	ts := newTestServer(t, Config{})
	body := "[" + eventLine(t, "bank", "a1", "p1", sesame.KindPaymentMade, t0, 1) + ",\n " +
		eventLine(t, "bank", "a2", "p1", sesame.KindPaymentMade, t0, 2) + "]"
	a := decodeIngest(t, ts.ingest("application/json; charset=utf-8", body))
	if a.Accepted != 2 || a.Results[1].Line != 2 || a.Results[1].ID != "a2" {
		t.Fatalf("answer %+v (line is the element's index)", a)
	}
}

func TestIngestRetryReportsDuplicates(t *testing.T) {
	ts := newTestServer(t, Config{})
	body := ndjson(eventLine(t, "bank", "e1", "p1", sesame.KindPaymentMade, t0, 1),
		eventLine(t, "bank", "e2", "p1", sesame.KindPaymentMade, t0, 2))
	first := decodeIngest(t, ts.ingest("application/x-ndjson", body))
	again := decodeIngest(t, ts.ingest("application/x-ndjson", body))
	if again.Accepted != 0 || again.Duplicates != 2 {
		t.Fatalf("retry: %+v, want 2 duplicates", again)
	}
	if !again.Results[0].RecordedAt.Equal(first.Results[0].RecordedAt) {
		t.Fatalf("a duplicate reports when the event was first recorded: %v vs %v", again.Results[0].RecordedAt, first.Results[0].RecordedAt)
	}
	page, _ := ts.db.Events().Events(t.Context(), sesame.EventFilter{Person: "p1"})
	if len(page.Events) != 2 {
		t.Fatalf("%d events stored after a retry, want 2", len(page.Events))
	}
}

func TestIngestConflict(t *testing.T) {
	ts := newTestServer(t, Config{})
	decodeIngest(t, ts.ingest("application/x-ndjson", eventLine(t, "bank", "e1", "p1", sesame.KindPaymentMade, t0, 1)))
	a := decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(
		eventLine(t, "bank", "e1", "p1", sesame.KindPaymentMade, t0, 99), // same key, other amount
		eventLine(t, "bank", "e2", "p1", sesame.KindPaymentMade, t0, 2),
	)))
	if a.Conflicts != 1 || a.Accepted != 1 || a.Results[0].Status != "conflict" || a.Results[0].Reason == "" {
		t.Fatalf("answer %+v, want line 1 conflict with a reason, line 2 accepted", a)
	}
}

// TestIngestRejectsBadLines sends each kind of bad line beside a good one:
// the bad line is rejected naming the field and why, the good one stored.
func TestIngestRejectsBadLines(t *testing.T) {
	good := eventLine(t, "bank", "good", "p1", sesame.KindPaymentMade, t0, 1)
	valid := func() map[string]any {
		var m map[string]any
		json.Unmarshal([]byte(eventLine(t, "bank", "bad", "p1", sesame.KindPaymentMade, t0, 1)), &m)
		return m
	}
	with := func(change func(m map[string]any)) string {
		m := valid()
		change(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct {
		name, line, field, reason string
	}{
		{"malformed JSON", `{"source":"bank","id":"bad",`, "", "JSON"},
		{"not an object", `[1,2]`, "", "JSON object"},
		{"unknown field", with(func(m map[string]any) { m["colour"] = "red" }), "colour", "unknown field"},
		{"unknown payload field", with(func(m map[string]any) { m["payload"].(map[string]any)["tip"] = 1 }), "payload.tip", "unknown field"},
		{"wrong kind", with(func(m map[string]any) { m["kind"] = "lottery_won" }), "kind", "unknown kind"},
		{"payload of another kind", with(func(m map[string]any) { m["kind"] = "bill.paid" }), "payload", ""},
		{"future occurred_at", with(func(m map[string]any) { m["occurred_at"] = time.Now().Add(time.Hour).Format(time.RFC3339) }), "occurred_at", "future"},
		{"time without zone", with(func(m map[string]any) { m["occurred_at"] = "2026-03-01T09:30:00" }), "occurred_at", "zone"},
		{"money as float", with(func(m map[string]any) { m["payload"].(map[string]any)["amount"].(map[string]any)["amount"] = 12.5 }), "payload.amount", ""},
		{"recorded_at set", with(func(m map[string]any) { m["recorded_at"] = "2026-03-01T09:30:00Z" }), "recorded_at", "ledger"},
		{"missing person", with(func(m map[string]any) { delete(m, "person") }), "person", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestServer(t, Config{})
			a := decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(c.line, good)))
			if a.Rejected != 1 || a.Accepted != 1 {
				t.Fatalf("answer %+v, want 1 rejected and 1 accepted", a)
			}
			r := a.Results[0]
			if r.Status != "rejected" || r.Line != 1 || !strings.HasPrefix(r.Field, c.field) || !strings.Contains(r.Reason, c.reason) || r.Reason == "" {
				t.Fatalf("result %+v, want rejected on field %q with a reason containing %q", r, c.field, c.reason)
			}
			if r.RecordedAt != (time.Time{}) {
				t.Fatalf("a rejected line has no recorded_at: %+v", r)
			}
		})
	}
}

func TestIngestRejectedLineNamesItsKeyAndAllFields(t *testing.T) {
	ts := newTestServer(t, Config{})
	line := `{"source":"bank","id":"x1","person":"p1","kind":"payment.made","occurred_at":"2026-03-01T09:30:00","payload":{"amount":{"amount":1,"currency":"CNY"},"merchant_category":"5411","channel":"online"},"extra":1,"more":2}`
	a := decodeIngest(t, ts.ingest("application/x-ndjson", line))
	r := a.Results[0]
	if r.Source != "bank" || r.ID != "x1" || len(r.Details) < 2 {
		t.Fatalf("result %+v: want the key and every bad field in details", r)
	}
}

func TestIngestMalformedArrayIs400WithPosition(t *testing.T) {
	ts := newTestServer(t, Config{})
	body := "[" + eventLine(t, "bank", "a1", "p1", sesame.KindPaymentMade, t0, 1) + ", {\"source\": }]"
	e := errorAnswer(t, ts.ingest("application/json", body), 400, sesame.EINVALID)
	if !strings.Contains(e.Message, "byte") {
		t.Fatalf("message %q does not say where the array breaks", e.Message)
	}
	page, _ := ts.db.Events().Events(t.Context(), sesame.EventFilter{Person: "p1"})
	if len(page.Events) != 0 {
		t.Fatal("a batch that cannot be read must store nothing")
	}
	e = errorAnswer(t, ts.ingest("application/json", ` {"source":"bank"}`), 400, sesame.EINVALID)
	if !strings.Contains(e.Message, "wrap a single event in [ ]") {
		t.Fatalf("message %q does not say how to send one event", e.Message)
	}
}

func TestIngestEmptyBody(t *testing.T) {
	ts := newTestServer(t, Config{})
	e := errorAnswer(t, ts.ingest("application/x-ndjson", "\n\n"), 400, sesame.EINVALID)
	if !strings.Contains(e.Message, "no events") {
		t.Fatalf("message %q", e.Message)
	}
}

func TestIngestBodyTooLarge(t *testing.T) {
	ts := newTestServer(t, Config{MaxBody: 4 << 10})
	var lines []string
	for i := range 40 {
		lines = append(lines, eventLine(t, "bank", fmt.Sprint("e", i), "p1", sesame.KindPaymentMade, t0, i))
	}
	body := ndjson(lines...)
	// With a Content-Length: refused before reading.
	e := errorAnswer(t, ts.ingest("application/x-ndjson", body), 413, sesame.ETOOLARGE)
	if !strings.Contains(e.Message, "4096 bytes") {
		t.Fatalf("message %q does not state the limit", e.Message)
	}
	// Streamed without a length: cut at the limit while reading.
	w := ts.do("POST", "/v1/events", operatorToken, "application/x-ndjson", io.MultiReader(strings.NewReader(body)))
	e = errorAnswer(t, w, 413, sesame.ETOOLARGE)
	if !strings.Contains(e.Message, "4096 bytes") {
		t.Fatalf("message %q does not state the limit", e.Message)
	}
	page, _ := ts.db.Events().Events(t.Context(), sesame.EventFilter{Person: "p1"})
	if len(page.Events) != 0 {
		t.Fatal("a body over the limit must store nothing")
	}
}

func TestIngestTooManyLines(t *testing.T) {
	ts := newTestServer(t, Config{MaxBatch: 3})
	var lines []string
	for i := range 4 {
		lines = append(lines, eventLine(t, "bank", fmt.Sprint("e", i), "p1", sesame.KindPaymentMade, t0, i))
	}
	e := errorAnswer(t, ts.ingest("application/x-ndjson", ndjson(lines...)), 413, sesame.ETOOLARGE)
	if !strings.Contains(e.Message, "3 events") {
		t.Fatalf("message %q does not state the limit", e.Message)
	}
	decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(lines[:3]...)))
}

func TestIngestContentType(t *testing.T) {
	ts := newTestServer(t, Config{})
	line := eventLine(t, "bank", "e1", "p1", sesame.KindPaymentMade, t0, 1)
	for _, ct := range []string{"", "text/plain", "application/xml", "application/json; charset=latin1", "&&&"} {
		e := errorAnswer(t, ts.ingest(ct, line), 415, codeUnsupportedMediaType)
		if !strings.Contains(e.Message, "application/x-ndjson") {
			t.Fatalf("%q: message %q does not say what to send", ct, e.Message)
		}
	}
}

func TestIngestAuth(t *testing.T) {
	ts := newTestServer(t, Config{})
	line := eventLine(t, "bank", "e1", "p1", sesame.KindPaymentMade, t0, 1)
	w := ts.do("POST", "/v1/events", "", "application/x-ndjson", strings.NewReader(line))
	errorAnswer(t, w, 401, sesame.EUNAUTHORIZED)
	if w.Header().Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	w = ts.do("POST", "/v1/events", "wrong", "application/x-ndjson", strings.NewReader(line))
	errorAnswer(t, w, 401, sesame.EUNAUTHORIZED)

	// A source's token sends its own events only.
	other := eventLine(t, "shop", "s1", "p1", sesame.KindPaymentMade, t0, 1)
	w = ts.do("POST", "/v1/events", sourceToken, "application/x-ndjson", strings.NewReader(ndjson(line, other)))
	a := decodeIngest(t, w)
	if a.Accepted != 1 || a.Results[1].Status != "rejected" || a.Results[1].Field != "source" {
		t.Fatalf("answer %+v: the shop's event must be rejected on source", a)
	}
	// and may not read.
	errorAnswer(t, ts.do("GET", "/v1/people/p1/events", sourceToken, "", nil), 403, sesame.EFORBIDDEN)
}

func TestNoTokensConfigured(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.srv.Auth = NewAuthenticator()
	e := errorAnswer(t, ts.do("GET", "/v1/people/p1/events", "", "", nil), 401, sesame.EUNAUTHORIZED)
	if !strings.Contains(e.Message, "--operator-token") {
		t.Fatalf("message %q does not say how to configure a token", e.Message)
	}
}
