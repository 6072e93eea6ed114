package http

import (
	"context"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
)

// /readyz says whether this replica can serve its API: a degraded check
// (NATS ingestion) is shown but leaves it ready; a failing one makes it not
// ready, with Retry-After.
func TestReadyDegradedCheck(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.srv.Ready = append(ts.srv.Ready, ReadyCheck{Name: "nats", Degraded: true, Check: func(context.Context) error {
		return sesame.Errorf(sesame.EUNAVAILABLE, "not connected to NATS")
	}})
	w := ts.do("GET", "/readyz", "", "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"nats":"degraded: not connected to NATS"`) || !strings.Contains(w.Body.String(), `"status":"ready"`) {
		t.Fatalf("readyz with NATS down: %d %s", w.Code, w.Body)
	}
	ts.srv.Ready = append(ts.srv.Ready, ReadyCheck{Name: "model", Check: func(context.Context) error {
		return sesame.Errorf(sesame.EUNAVAILABLE, "no active model")
	}})
	w = ts.do("GET", "/readyz", "", "", nil)
	if w.Code != 503 || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), `"model":"failing: no active model"`) {
		t.Fatalf("readyz with a failing check: %d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
}

// An error the Outage classifier names is answered 503 with Retry-After
// and a message to retry, never 500; other errors stay 500.
func TestOutageAnswers503(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.db.Close() // every read now fails
	w := ts.do("GET", "/v1/people/p1/events", operatorToken, "", nil)
	if w.Code != 500 {
		t.Fatalf("a closed store without a classifier: %d %s", w.Code, w.Body)
	}
	ts.srv.Outage = func(err error) bool { return strings.Contains(err.Error(), "closed") }
	w = ts.do("GET", "/v1/people/p1/events", operatorToken, "", nil)
	e := errorAnswer(t, w, 503, sesame.EUNAVAILABLE)
	if w.Header().Get("Retry-After") != "5" || !strings.Contains(e.Message, "retry") {
		t.Fatalf("Retry-After %q, message %q", w.Header().Get("Retry-After"), e.Message)
	}
	if !strings.Contains(ts.log.String(), "database unavailable") {
		t.Fatal("the outage was not logged")
	}
}
