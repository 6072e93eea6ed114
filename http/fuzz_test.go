package http

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
)

// FuzzIngestBody posts arbitrary bodies, as NDJSON and as a JSON array, to
// POST /v1/events on a real SQLite ledger. Whatever the body, the answer is
// never a 5xx; a 200 is valid JSON whose counts add up to its results, one
// per line in increasing line order; anything else is the error shape.
func FuzzIngestBody(f *testing.F) {
	good := `{"source":"bank","id":"f1","person":"p1","kind":"payment.made","occurred_at":"2026-03-01T09:30:00+08:00","payload":{"amount":{"amount":100,"currency":"CNY"},"merchant_category":"5411","channel":"online"}}`
	for _, seed := range []string{
		good, good + "\n" + good, "[" + good + "]", "[" + good + "," + good + "]", "{", "[", "]", "[{}]", "\n\n", "null",
		`{"source":"bank","id":"f2","person":"p1","kind":"payment.made","occurred_at":"2026-03-01T09:30:00","payload":{}}`,
		"\xff\xfe", `{"source":"\u0000"}`, strings.Repeat("[", 100),
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	ts := newTestServer(f, Config{MaxBody: 64 << 10, MaxBatch: 50})
	f.Fuzz(func(t *testing.T, body []byte, array bool) {
		ts.t = t
		ct := "application/x-ndjson"
		if array {
			ct = "application/json"
		}
		w := ts.do("POST", "/v1/events", operatorToken, ct, bytes.NewReader(body))
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %s", w.Body)
		}
		if w.Code != 200 {
			var e errorBody
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("error not in the one shape: %s", w.Body)
			}
			return
		}
		var a ingestAnswer
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		if a.Accepted+a.Duplicates+a.Conflicts+a.Rejected != len(a.Results) || len(a.Results) == 0 {
			t.Fatalf("counts do not add up: %s", w.Body)
		}
		last := 0
		for _, r := range a.Results {
			if r.Line <= last {
				t.Fatalf("lines out of order: %s", w.Body)
			}
			last = r.Line
			if r.Status == string(sesame.Rejected) && r.Reason == "" {
				t.Fatalf("rejected without a reason: %s", w.Body)
			}
		}
	})
}
