package http

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

const (
	operatorToken = "op-secret-token"
	sourceToken   = "bank-secret-token"
)

// testServer is a server on a real SQLite ledger in a temporary directory.
type testServer struct {
	t   testing.TB
	srv *Server
	db  *sqlite.DB
	log *bytes.Buffer
}

func newTestServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sesame.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := NewServer(cfg)
	srv.Events = db.Events()
	var logs bytes.Buffer
	srv.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	srv.Auth.AddToken(operatorToken, Principal{Role: RoleOperator, Name: "test-operator"})
	srv.Auth.AddToken(sourceToken, Principal{Role: RoleSource, Name: "bank"})
	// Operators' reads of events are written to the access log first.
	srv.UseTrust(&Trust{Partners: &auth.Partners{Store: db.Partners()}, People: &auth.People{Store: db.Sessions()},
		Gate: &consent.Gate{Audit: &audit.Recorder{Log: db.AccessLog()}}, AccessLog: db.AccessLog()})
	return &testServer{t: t, srv: srv, db: db, log: &logs}
}

// do sends a request through the whole handler and returns the recorded answer.
func (ts *testServer) do(method, target, token, contentType string, body io.Reader) *httptest.ResponseRecorder {
	ts.t.Helper()
	r := httptest.NewRequest(method, target, body)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	ts.srv.Handler().ServeHTTP(w, r)
	checkOpenAPI(ts.t, r, w.Code, w.Header(), w.Body.Bytes())
	return w
}

func (ts *testServer) ingest(contentType, body string) *httptest.ResponseRecorder {
	ts.t.Helper()
	return ts.do("POST", "/v1/events", operatorToken, contentType, strings.NewReader(body))
}

// ingestAnswer mirrors the answer to POST /v1/events.
type ingestAnswer struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Conflicts  int `json:"conflicts"`
	Rejected   int `json:"rejected"`
	Erased     int `json:"erased"`
	Results    []struct {
		Line       int                 `json:"line"`
		Source     string              `json:"source"`
		ID         string              `json:"id"`
		Status     string              `json:"status"`
		Field      string              `json:"field"`
		Reason     string              `json:"reason"`
		Details    []sesame.FieldError `json:"details"`
		RecordedAt time.Time           `json:"recorded_at"`
	} `json:"results"`
}

func decodeIngest(t *testing.T, w *httptest.ResponseRecorder) ingestAnswer {
	t.Helper()
	if w.Code != 200 {
		t.Fatalf("status %d, want 200: %s", w.Code, w.Body)
	}
	var a ingestAnswer
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("answer is not the documented shape: %v", err)
	}
	return a
}

// errorAnswer checks that w is an error in the one shape with the given
// status and code, and returns it.
func errorAnswer(t *testing.T, w *httptest.ResponseRecorder, status int, code string) errorPayload {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var b errorBody
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("not the error shape: %v", err)
	}
	if b.Error.Code != code {
		t.Fatalf("code %q, want %q (message %q)", b.Error.Code, code, b.Error.Message)
	}
	if b.Error.Message == "" || b.Error.RequestID == "" {
		t.Fatalf("error without message or request id: %+v", b.Error)
	}
	return b.Error
}

// eventLine returns the NDJSON line of a valid event.
func eventLine(t *testing.T, source, id, person string, k sesame.Kind, at time.Time, n int) string {
	t.Helper()
	b, err := json.Marshal(ledgertest.NewEvent(source, id, person, k, at, n))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ndjson(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

var _ = nethttp.StatusOK
