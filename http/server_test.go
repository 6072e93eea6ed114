package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

func TestUnknownRouteIsJSON404(t *testing.T) {
	ts := newTestServer(t, Config{})
	e := errorAnswer(t, ts.do("GET", "/v1/nothing", operatorToken, "", nil), 404, sesame.ENOTFOUND)
	if !strings.Contains(e.Message, "/openapi.json") {
		t.Fatalf("message %q should point at the API description", e.Message)
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.do("DELETE", "/v1/events", operatorToken, "", nil)
	e := errorAnswer(t, w, 405, codeMethodNotAllowed)
	if allow := w.Header().Get("Allow"); !strings.Contains(allow, "POST") {
		t.Fatalf("Allow %q", allow)
	}
	if !strings.Contains(e.Message, "POST") {
		t.Fatalf("message %q does not name the allowed method", e.Message)
	}
	errorAnswer(t, ts.do("POST", "/v1/people/p1/events", operatorToken, "", nil), 405, codeMethodNotAllowed)
}

func TestRequestIDIsEchoedOrMade(t *testing.T) {
	ts := newTestServer(t, Config{})
	r := httptest.NewRequest("GET", "/healthz", nil)
	r.Header.Set("X-Request-Id", "client-abc.123")
	w := httptest.NewRecorder()
	ts.srv.Handler().ServeHTTP(w, r)
	checkOpenAPI(t, r, w.Code, w.Header(), w.Body.Bytes())
	if got := w.Header().Get("X-Request-Id"); got != "client-abc.123" {
		t.Fatalf("X-Request-Id %q, want the client's", got)
	}
	if !strings.Contains(ts.log.String(), `"request_id":"client-abc.123"`) {
		t.Fatalf("log line lacks the request id: %s", ts.log)
	}
	r.Header.Set("X-Request-Id", "bad id with spaces")
	w = httptest.NewRecorder()
	ts.srv.Handler().ServeHTTP(w, r)
	checkOpenAPI(t, r, w.Code, w.Header(), w.Body.Bytes())
	if got := w.Header().Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Fatalf("X-Request-Id %q, want a fresh one", got)
	}
}

func TestPanicIsA500WithoutDetails(t *testing.T) {
	ts := newTestServer(t, Config{})
	h := ts.srv.middleware(nethttp.HandlerFunc(func(nethttp.ResponseWriter, *nethttp.Request) {
		panic("secret internal state")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	e := errorAnswer(t, w, 500, sesame.EINTERNAL)
	if strings.Contains(e.Message, "secret") || !strings.Contains(e.Message, e.RequestID) {
		t.Fatalf("message %q leaks the panic or lacks the request id", e.Message)
	}
	if !strings.Contains(ts.log.String(), "secret internal state") || !strings.Contains(ts.log.String(), "goroutine") {
		t.Fatal("the panic and its stack must be logged")
	}
}

func TestInternalErrorsStayInTheLog(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/x", nil)
	ts.srv.writeError(w, r, errors.New("disk /var/db is on fire"))
	e := errorAnswer(t, w, 500, sesame.EINTERNAL)
	if strings.Contains(e.Message, "fire") || !strings.Contains(ts.log.String(), "fire") {
		t.Fatalf("message %q; the cause belongs in the log only", e.Message)
	}
}

func TestErrorCodesMapToStatuses(t *testing.T) {
	want := map[string]int{
		sesame.EINVALID: 400, sesame.ENOTFOUND: 404, sesame.ECONFLICT: 409, sesame.EUNAUTHORIZED: 401,
		sesame.EFORBIDDEN: 403, sesame.ETOOLARGE: 413, sesame.ERATELIMITED: 429, sesame.EUNAVAILABLE: 503,
		sesame.EINTERNAL: 500, codeMethodNotAllowed: 405, codeUnsupportedMediaType: 415, "unheard_of": 500,
	}
	for code, status := range want {
		if got := statusOf(code); got != status {
			t.Errorf("%s → %d, want %d", code, got, status)
		}
	}
}

func TestDeadlineIsA503SayingWhy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	err := classify(ctx, fmt.Errorf("store: %w", context.DeadlineExceeded), Config{RequestTimeout: 30 * time.Second})
	if sesame.ErrorCode(err) != sesame.EUNAVAILABLE || !strings.Contains(sesame.ErrorMessage(err), "30s") {
		t.Fatalf("%v", err)
	}
}

func TestHealthAndReady(t *testing.T) {
	ts := newTestServer(t, Config{})
	if w := ts.do("GET", "/healthz", "", "", nil); w.Code != 200 {
		t.Fatalf("healthz %d", w.Code)
	}
	w := ts.do("GET", "/readyz", "", "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"event_store":"ok"`) {
		t.Fatalf("readyz %d %s", w.Code, w.Body)
	}
	ts.srv.Ready = append(ts.srv.Ready, ReadyCheck{Name: "model", Check: func(context.Context) error {
		return sesame.Errorf(sesame.EUNAVAILABLE, "no active model")
	}})
	w = ts.do("GET", "/readyz", "", "", nil)
	if w.Code != 503 || !strings.Contains(w.Body.String(), "no active model") {
		t.Fatalf("readyz with a failing check: %d %s", w.Code, w.Body)
	}
	// A closed database is not ready.
	ts.srv.Ready = nil
	ts.db.Close()
	if w := ts.do("GET", "/readyz", "", "", nil); w.Code != 503 {
		t.Fatalf("readyz on a closed store: %d %s", w.Code, w.Body)
	}
}

func TestMetricsCountRequestsAndEvents(t *testing.T) {
	ts := newTestServer(t, Config{})
	decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(eventLine(t, "bank", "e1", "p1", sesame.KindPaymentMade, t0, 1), "{")))
	if w := ts.do("GET", "/metrics", "", "", nil); w.Code != 401 {
		t.Errorf("/metrics without a token on the main address: %d, want 401", w.Code)
	}
	if w := ts.do("GET", "/metrics", sourceToken, "", nil); w.Code != 403 {
		t.Errorf("/metrics with a source's token: %d, want 403", w.Code)
	}
	w := ts.do("GET", "/metrics", operatorToken, "", nil)
	body := w.Body.String()
	for _, want := range []string{
		`sesame_events_ingested_total{status="accepted",transport="http"} 1`,
		`sesame_events_ingested_total{status="rejected",transport="http"} 1`,
		`sesame_http_request_duration_seconds_count{route="POST /v1/events",status="200"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestPprofOnlyWithFlagAndToken(t *testing.T) {
	ts := newTestServer(t, Config{})
	errorAnswer(t, ts.do("GET", "/debug/pprof/", operatorToken, "", nil), 404, sesame.ENOTFOUND)
	ts = newTestServer(t, Config{Pprof: true})
	errorAnswer(t, ts.do("GET", "/debug/pprof/", "", "", nil), 401, sesame.EUNAUTHORIZED)
	if w := ts.do("GET", "/debug/pprof/", operatorToken, "", nil); w.Code != 200 {
		t.Fatalf("pprof index %d", w.Code)
	}
}

// TestOpenAPICoversRoutes keeps openapi.json honest: every registered route
// is described, with its method.
func TestOpenAPICoversRoutes(t *testing.T) {
	ts := newTestServer(t, Config{Pprof: true})
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	w := ts.do("GET", "/openapi.json", "", "", nil)
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("/openapi.json: %d, openapi %q", w.Code, doc.OpenAPI)
	}
	for _, p := range ts.srv.Patterns() {
		method, path, _ := strings.Cut(p, " ")
		if strings.HasPrefix(path, "/debug/pprof/") {
			path = "/debug/pprof/{profile}" // one entry describes the profiles
		}
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %q is not in openapi.json", p)
		}
	}
}

func TestGracefulShutdown(t *testing.T) {
	ts := newTestServer(t, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.srv.Serve(ctx, ln, nil) }()
	resp, err := nethttp.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	validatedBody(t, resp)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown within 10 s")
	}
}

func TestRequestOutOfTimeIs503(t *testing.T) {
	ts := newTestServer(t, Config{RequestTimeout: time.Nanosecond})
	e := errorAnswer(t, ts.do("GET", "/v1/people/p1/events", operatorToken, "", nil), 503, sesame.EUNAVAILABLE)
	if !strings.Contains(e.Message, "limit of 1ns") {
		t.Fatalf("message %q does not state the limit", e.Message)
	}
}

func TestWrongMethodOnAReadRoute(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.do("PUT", "/v1/people/p1/events", operatorToken, "", nil)
	e := errorAnswer(t, w, 405, codeMethodNotAllowed)
	if allow := w.Header().Get("Allow"); allow != "GET, HEAD" || !strings.HasSuffix(e.Message, "allowed: GET, HEAD") {
		t.Fatalf("Allow %q, message %q", allow, e.Message)
	}
}
