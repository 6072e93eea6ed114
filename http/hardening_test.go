package http

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/auth"
)

// TestMyAnswersAreNotStored: every answer of the person's own API, errors
// included, says Cache-Control: no-store.
func TestMyAnswersAreNotStored(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.addPartner("acme")
	ts.score("p1", 700)
	session := ts.login("p1")
	for _, c := range []struct{ method, path, token, body string }{
		{"GET", "/v1/me", session, ""},
		{"GET", "/v1/me/score", session, ""},
		{"GET", "/v1/me/consents", session, ""},
		{"POST", "/v1/me/consents", session, `{"partner":"acme","purpose":"loan","scope":"score"}`},
		{"GET", "/v1/me/consent-requests", session, ""},
		{"GET", "/v1/me/consent-requests/creq_nope", session, ""},
		{"GET", "/v1/me/access-log?verify=true", session, ""},
		{"GET", "/v1/me/decisions", session, ""},
		{"DELETE", "/v1/me/consents/con_nope", session, ""},
		{"GET", "/v1/me/consents", "", ""},
	} {
		a := ts.do(c.method, c.path, c.token, c.body)
		if got := a.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s %s (%d): Cache-Control %q, want no-store", c.method, c.path, a.status, got)
		}
	}
}

// TestUnauthenticatedAPIIsRateLimited: /v1/auth/login answers 429 with
// Retry-After to one client past its burst, and not to another client.
func TestUnauthenticatedAPIIsRateLimited(t *testing.T) {
	ts := newTrustServer(t, true)
	ts.trust.Clients = &auth.ClientLimiter{Rate: 0.001, Burst: 3}
	h := ts.srv.Handler()
	call := func(path, client string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(`{"token":"ssl_forged"}`))
		if path == "/v1/auth/demo" {
			req = httptest.NewRequest("POST", path, strings.NewReader(`{"person":"p1"}`))
		}
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = client
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		checkOpenAPI(t, req, w.Code, w.Header(), w.Body.Bytes())
		return w
	}
	for i := 0; i < 3; i++ {
		if w := call("/v1/auth/login", "203.0.113.5:1000"); w.Code == 429 {
			t.Fatalf("limited after %d calls, burst is 3", i)
		}
	}
	for _, path := range []string{"/v1/auth/login", "/v1/auth/demo"} {
		w := call(path, "203.0.113.5:1001")
		if w.Code != 429 || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), `"rate_limited"`) {
			t.Errorf("%s past the burst: %d %q %s, want 429 rate_limited with Retry-After", path, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
	}
	if w := call("/v1/auth/login", "198.51.100.1:1000"); w.Code == 429 {
		t.Error("another client is limited too")
	}
}

// serveReal runs srv on a loopback listener until the test ends.
func serveReal(t *testing.T, srv *Server) string {
	t.Helper()
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln, nil); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

// validatedBody reads the answer a real server gave over TCP and checks
// it against the OpenAPI document, as the handler tests check theirs: what
// the listener writes before any handler (a 431) is held to it too.
func validatedBody(t *testing.T, res *nethttp.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	checkOpenAPI(t, res.Request, res.StatusCode, res.Header, b)
	return b
}

// TestOversizedHeaderGetsTheJSONErrorShape: a header past the limit is
// answered 431 in the JSON error shape, not net/http's plain text.
func TestOversizedHeaderGetsTheJSONErrorShape(t *testing.T) {
	base := serveReal(t, NewServer(Config{}))
	req, _ := nethttp.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", maxHeaderBytes+8<<10))
	res, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body errorBody
	err = json.Unmarshal(validatedBody(t, res), &body)
	if res.StatusCode != 431 || res.Header.Get("Content-Type") != "application/json" || err != nil || body.Error.Code != "header_too_large" {
		t.Fatalf("oversized header: %d %q %+v (%v), want 431 JSON header_too_large", res.StatusCode, res.Header.Get("Content-Type"), body, err)
	}
	// A header within the limit is served as usual.
	req.Header.Set("X-Padding", strings.Repeat("a", 1<<10))
	res, err = nethttp.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if validatedBody(t, res); res.StatusCode != 200 {
		t.Fatalf("a normal header: %d", res.StatusCode)
	}
}

// TestOversizedBodyOnAnyRoute: a declared body over --max-body is refused
// 413 in the JSON error shape on any route, one that reads no body too.
func TestOversizedBodyOnAnyRoute(t *testing.T) {
	base := serveReal(t, NewServer(Config{MaxBody: 1 << 10}))
	for _, path := range []string{"/healthz", "/v1/events", "/v1/access-log/heads"} {
		method := "GET"
		if path == "/v1/events" {
			method = "POST"
		}
		req, _ := nethttp.NewRequest(method, base+path, strings.NewReader(strings.Repeat("x", 2<<10)))
		req.Header.Set("Content-Type", "application/json")
		res, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body errorBody
		if err := json.Unmarshal(validatedBody(t, res), &body); err != nil || res.StatusCode != 413 || body.Error.Code != "too_large" {
			t.Errorf("%s %s with 2 KiB over a 1 KiB limit: %d %+v (%v), want 413 too_large", method, path, res.StatusCode, body, err)
		}
	}
}

// TestMetricsOnTheirOwnAddress: with a metrics address, /metrics is
// served there without a token, and on the main address only to operators.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	srv := NewServer(Config{MetricsAddr: "127.0.0.1:0"})
	srv.Auth.AddToken("op", Principal{Role: RoleOperator, Name: "op"})
	base := serveReal(t, srv)
	deadline := time.Now().Add(5 * time.Second)
	for srv.MetricsAddr() == "" {
		if time.Now().After(deadline) {
			t.Fatal("the metrics listener did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, err := nethttp.Get("http://" + srv.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "go_goroutines") {
		t.Errorf("metrics address: %d", res.StatusCode)
	}
	if res, err := nethttp.Get("http://" + srv.MetricsAddr() + "/v1/events"); err != nil || res.StatusCode != 404 && res.StatusCode != 405 {
		t.Errorf("the metrics address serves more than /metrics: %v", res.StatusCode)
	}
	res, err = nethttp.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if validatedBody(t, res); res.StatusCode != 401 {
		t.Errorf("/metrics on the main address without a token: %d, want 401", res.StatusCode)
	}
}
