package http

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// ingestMixed stores 25 events of person p1 an hour apart, kinds alternating
// payment_made, bill_paid, repayment_made, and one event of p2.
func ingestMixed(t *testing.T, ts *testServer) {
	kinds := []sesame.Kind{sesame.KindPaymentMade, sesame.KindBillPaid, sesame.KindRepaymentMade}
	var lines []string
	for i := range 25 {
		lines = append(lines, eventLine(t, "bank", fmt.Sprint("e", i), "p1", kinds[i%3], t0.Add(time.Duration(i)*time.Hour), i))
	}
	lines = append(lines, eventLine(t, "bank", "other", "p2", sesame.KindPaymentMade, t0, 1))
	if a := decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(lines...))); a.Accepted != 26 {
		t.Fatalf("setup: %+v", a)
	}
}

func (ts *testServer) page(target string) sesame.EventPage {
	ts.t.Helper()
	w := ts.do("GET", target, operatorToken, "", nil)
	if w.Code != 200 {
		ts.t.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
	}
	var p sesame.EventPage
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		ts.t.Fatal(err)
	}
	return p
}

func TestListEventsPaginatesThroughCursor(t *testing.T) {
	ts := newTestServer(t, Config{})
	ingestMixed(t, ts)
	var ids []string
	target := "/v1/people/p1/events?limit=10"
	pages := 0
	for {
		p := ts.page(target)
		pages++
		for _, e := range p.Events {
			ids = append(ids, e.ID)
		}
		if p.Next == "" {
			break
		}
		target = "/v1/people/p1/events?limit=10&cursor=" + url.QueryEscape(p.Next)
	}
	if pages != 3 || len(ids) != 25 || ids[0] != "e0" || ids[24] != "e24" {
		t.Fatalf("%d pages, ids %v", pages, ids)
	}
	for i, id := range ids {
		if id != fmt.Sprint("e", i) {
			t.Fatalf("order broken at %d: %v", i, ids)
		}
	}
}

func TestListEventsFilters(t *testing.T) {
	ts := newTestServer(t, Config{})
	ingestMixed(t, ts)
	p := ts.page("/v1/people/p1/events?kind=bill.paid,repayment.made")
	if len(p.Events) != 16 {
		t.Fatalf("%d events of two kinds, want 16", len(p.Events))
	}
	for _, e := range p.Events {
		if e.Kind == sesame.KindPaymentMade {
			t.Fatalf("kind filter let %s through", e.Kind)
		}
	}
	from := t0.Add(5 * time.Hour).Format(time.RFC3339)
	to := t0.Add(10 * time.Hour).Format(time.RFC3339)
	p = ts.page("/v1/people/p1/events?from=" + url.QueryEscape(from) + "&to=" + url.QueryEscape(to))
	if len(p.Events) != 5 || p.Events[0].ID != "e5" || p.Events[4].ID != "e9" {
		t.Fatalf("time filter: %d events, want e5..e9 (to is exclusive)", len(p.Events))
	}
	p = ts.page("/v1/people/p1/events?kind=payment.made&kind=bill.paid&from=" + url.QueryEscape(from) + "&limit=3")
	if len(p.Events) != 3 || p.Next == "" {
		t.Fatalf("combined filters: %+v", p)
	}
}

func TestListEventsUnknownPersonIsEmpty(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.do("GET", "/v1/people/nobody/events", operatorToken, "", nil)
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"events":[]}` {
		t.Fatalf("%d %s, want 200 and an empty list", w.Code, w.Body)
	}
}

func TestListEventsBadQuery(t *testing.T) {
	ts := newTestServer(t, Config{})
	cases := map[string]string{
		"/v1/people/p1/events?kind=lottery":                                      "kind",
		"/v1/people/p1/events?from=2026-01-01":                                   "from",
		"/v1/people/p1/events?to=2026-01-01T00:00:00":                            "to",
		"/v1/people/p1/events?limit=0":                                           "limit",
		"/v1/people/p1/events?limit=5000":                                        "limit",
		"/v1/people/p1/events?limit=ten":                                         "limit",
		"/v1/people/p1/events?cursor=garbage":                                    "cursor",
		"/v1/people/p1/events?kinds=payment.made":                                "kinds",
		"/v1/people/bad%20id/events":                                             "id",
		"/v1/people/p1/events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z": "to",
	}
	for target, field := range cases {
		e := errorAnswer(t, ts.do("GET", target, operatorToken, "", nil), 400, sesame.EINVALID)
		if len(e.Details) == 0 || e.Details[0].Field != field || e.Details[0].Reason == "" {
			t.Errorf("%s: details %+v, want field %q named", target, e.Details, field)
		}
	}
}

func TestListEventsNeedsToken(t *testing.T) {
	ts := newTestServer(t, Config{})
	errorAnswer(t, ts.do("GET", "/v1/people/p1/events", "", "", nil), 401, sesame.EUNAUTHORIZED)
}
