package http

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

func newWatermarkServer(t *testing.T) *testServer {
	ts := newTestServer(t, Config{})
	ts.srv.Watermarks = ts.db.Watermarks()
	ts.srv.Now = func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) }
	return ts
}

func (ts *testServer) watermark(source string) time.Time {
	ts.t.Helper()
	ws, err := ts.db.Watermarks().Watermarks(context.Background())
	if err != nil {
		ts.t.Fatal(err)
	}
	for _, w := range ws {
		if w.Source == source {
			return w.CompleteTo
		}
	}
	return time.Time{}
}

func TestSetWatermark(t *testing.T) {
	ts := newWatermarkServer(t)
	put := func(token, source, body string) *httptest.ResponseRecorder {
		return ts.do("PUT", "/v1/sources/"+source+"/watermark", token, "application/json", strings.NewReader(body))
	}
	w := put(sourceToken, "bank", `{"complete_to":"2026-11-01T00:00:00Z"}`)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var st sourceStatus
	if err := json.NewDecoder(w.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	// 36.5 days behind the server's clock: not yet stale at 45.
	if st.Source != "bank" || st.Stale || st.LagSeconds != int64(36*24*3600+12*3600) {
		t.Fatalf("answer %+v", st)
	}
	// Going back is ignored, not an error: a retry is safe.
	if w := put(sourceToken, "bank", `{"complete_to":"2026-10-01T00:00:00Z"}`); w.Code != 200 || !ts.watermark("bank").Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("moved back: %d %s", w.Code, w.Body)
	}
	for _, c := range []struct {
		token, source, body string
		status              int
		code, mention       string
	}{
		{sourceToken, "shop", `{"complete_to":"2026-11-01T00:00:00Z"}`, 403, sesame.EFORBIDDEN, "bank"},
		{sourceToken, "bank", `{"complete_to":"November"}`, 400, sesame.EINVALID, "complete_to"},
		{sourceToken, "bank", `{}`, 400, sesame.EINVALID, "complete_to"},
		{sourceToken, "bank", `{"complete_to":"2027-01-01T00:00:00Z"}`, 400, sesame.EINVALID, "future"},
		{operatorToken, "bad source", `{"complete_to":"2026-11-01T00:00:00Z"}`, 400, sesame.EINVALID, "source"},
	} {
		w := put(c.token, strings.ReplaceAll(c.source, " ", "%20"), c.body)
		e := errorAnswer(t, w, c.status, c.code)
		if !strings.Contains(e.Message, c.mention) {
			t.Errorf("%s %s: message %q does not name %q", c.source, c.body, e.Message, c.mention)
		}
	}

	// Operators list the sources; /metrics exports the lag.
	w = ts.do("GET", "/v1/sources", operatorToken, "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"source":"bank"`) {
		t.Fatalf("GET /v1/sources: %d %s", w.Code, w.Body)
	}
	w = ts.do("GET", "/metrics", operatorToken, "", nil) // on the main address, operators only
	body, _ := io.ReadAll(w.Body)
	if !strings.Contains(string(body), `sesame_source_data_lag_seconds{source="bank"} 3.1536e+06`) || !strings.Contains(string(body), `sesame_source_stale{source="bank"} 0`) {
		t.Fatalf("metrics lack the source's lag:\n%s", grepLines(string(body), "sesame_source"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The Sesame-Complete-To header moves the watermark with a batch stored
// whole, and not with a batch that has a rejected line.
func TestIngestCompleteToHeader(t *testing.T) {
	ts := newWatermarkServer(t)
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	send := func(header, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/v1/events", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+sourceToken)
		r.Header.Set("Content-Type", "application/x-ndjson")
		r.Header.Set(completeToHeader, header)
		w := httptest.NewRecorder()
		ts.srv.Handler().ServeHTTP(w, r)
		checkOpenAPI(t, r, w.Code, w.Header(), w.Body.Bytes())
		return w
	}
	good := ndjson(eventLine(t, "bank", "e1", "p1", sesame.KindPaymentMade, at, 1))
	if a := decodeIngest(t, send("2026-12-01T00:00:00Z", good)); a.Accepted != 1 {
		t.Fatalf("%+v", a)
	}
	if got := ts.watermark("bank"); !got.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("watermark %s", got)
	}
	partly := ndjson(eventLine(t, "bank", "e2", "p1", sesame.KindPaymentMade, at, 2), `{"source":"bank"}`)
	if a := decodeIngest(t, send("2026-12-05T00:00:00Z", partly)); a.Accepted != 1 || a.Rejected != 1 {
		t.Fatalf("%+v", a)
	}
	if got := ts.watermark("bank"); !got.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("a batch with a rejected line moved the watermark to %s", got)
	}
	e := errorAnswer(t, send("soon", good), 400, sesame.EINVALID)
	if !strings.Contains(e.Message, completeToHeader) {
		t.Fatalf("message %q does not name the header", e.Message)
	}
}
