package http

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/dispute"
)

// TestEveryListTakesThePagingContract: every list route (the ones in
// queryParams that take a cursor) refuses a misspelt parameter, a bad
// limit and a foreign cursor in the same error shape and words as the
// events do, and no list route is left out of the check.
func TestEveryListTakesThePagingContract(t *testing.T) {
	tr := newTrustServer(t, false)
	tr.score("p-a", 700)
	key := tr.addPartner("lender")
	session := tr.login("p-a")
	ts := newTestServer(t, Config{})
	ts.srv.Disputes = &dispute.Service{Store: ts.db.Disputes()}
	ts.srv.Outbox = ts.db.Outbox()
	ts.srv.Watermarks = ts.db.Watermarks()
	ts.srv.Auth.AddToken(personToken, Principal{Role: RolePerson, Name: "alice"})

	type get func(target string) (int, string)
	onTrust := func(token string) get {
		return func(target string) (int, string) { a := tr.do("GET", target, token, ""); return a.status, a.body }
	}
	onTest := func(token string) get {
		return func(target string) (int, string) {
			w := ts.do("GET", target, token, "", nil)
			return w.Code, w.Body.String()
		}
	}
	lists := map[string]get{
		"/v1/people/p-a/events":        onTest(operatorToken),
		"/v1/people/p-a/score/history": onTrust(testOperator),
		"/v1/me/consents":              onTrust(session),
		"/v1/me/consent-requests":      onTrust(session),
		"/v1/me/decisions":             onTrust(session),
		"/v1/me/access-log":            onTrust(session),
		"/v1/access-log/heads":         onTrust(""),
		"/v1/operator/models":          onTrust(testOperator),
		"/v1/operator/partners":        onTrust(testOperator),
		"/v1/partner/products":         onTrust(key),
		"/v1/me/disputes":              onTest(personToken),
		"/v1/me/notices":               onTest(personToken),
		"/v1/sources":                  onTest(operatorToken),
		"/v1/sources/bank/disputes":    onTest(sourceToken),
		// GET /v1/me/additions is held to it in TestAdditionsThroughTheAPI.
	}
	// Every route that takes a cursor is checked here.
	for pattern, params := range queryParams {
		if !contains(params, "cursor") {
			continue
		}
		path := strings.TrimPrefix(pattern, "GET ")
		path = strings.NewReplacer("{id}", "p-a", "{source}", "bank").Replace(path)
		if _, ok := lists[path]; !ok && path != "/v1/me/additions" {
			t.Errorf("list %s is not checked here", pattern)
		}
	}
	_, want := pageQuery(url.Values{"limit": {"0"}, "cursor": {"nonsense"}})
	for path, do := range lists {
		for _, c := range []struct{ query, field, reason string }{
			{"limt=5", "limt", "unknown query parameter; allowed: "},
			{"limit=0", "limit", want[0].Reason},
			{"limit=1001", "limit", want[0].Reason},
			{"cursor=nonsense", "cursor", want[1].Reason},
		} {
			status, body := do(path + "?" + c.query)
			var b errorBody
			if err := json.Unmarshal([]byte(body), &b); err != nil || status != 400 || b.Error.Code != sesame.EINVALID ||
				len(b.Error.Details) != 1 || b.Error.Details[0].Field != c.field || !strings.HasPrefix(b.Error.Details[0].Reason, c.reason) {
				t.Errorf("%s?%s: %d %s; want 400 naming %s: %q", path, c.query, status, body, c.field, c.reason)
			}
		}
		if status, body := do(path + "?limit=1"); status != 200 {
			t.Errorf("%s?limit=1: %d %s", path, status, body)
		}
	}
}

// walk pages through a list with limit 2 and returns every item's id (by
// field idOf), checking that no page is longer than asked and that the
// walk ends.
func walk(t *testing.T, get func(string) (int, string), path, list, idOf string) []string {
	t.Helper()
	var ids []string
	target := path + "?limit=2"
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatalf("%s: paging does not end", path)
		}
		status, body := get(target)
		if status != 200 {
			t.Fatalf("%s: %d %s", target, status, body)
		}
		var page map[string]json.RawMessage
		var items []map[string]any
		if err := json.Unmarshal([]byte(body), &page); err != nil || json.Unmarshal(page[list], &items) != nil {
			t.Fatalf("%s: %s", target, body)
		}
		if len(items) > 2 {
			t.Fatalf("%s: %d items with limit 2", target, len(items))
		}
		for _, it := range items {
			ids = append(ids, it[idOf].(string))
		}
		var next string
		if raw, ok := page["next"]; ok {
			if json.Unmarshal(raw, &next) != nil || next == "" {
				t.Fatalf("%s: next %s", target, raw)
			}
		}
		if next == "" {
			return ids
		}
		target = path + "?limit=2&cursor=" + url.QueryEscape(next)
	}
}

// TestListsPageThroughEveryItem: paging a list with a small limit gives
// each item once, in the list's order, whatever the list.
func TestListsPageThroughEveryItem(t *testing.T) {
	tr := newTrustServer(t, false)
	for _, id := range []string{"p3", "p1", "p5", "p2", "p4"} {
		tr.addPartner(id)
	}
	get := func(token string) func(string) (int, string) {
		return func(target string) (int, string) { a := tr.do("GET", target, token, ""); return a.status, a.body }
	}
	if got := strings.Join(walk(t, get(testOperator), "/v1/operator/partners", "partners", "id"), ","); got != "p1,p2,p3,p4,p5" {
		t.Errorf("partners paged as %s", got)
	}
	// Consents newest first, one of them granted in the same second as
	// another (ties go by id).
	at := tr.now.Add(-time.Hour).Truncate(time.Second)
	for i, p := range []string{"p1", "p2", "p3", "p4", "p5"} {
		tr.consent("p-a", p, sesame.PurposeLoan, sesame.ScopeScore, at.Add(time.Duration(i/2)*time.Minute), at.Add(24*time.Hour), time.Time{})
	}
	session := tr.login("p-a")
	if got := strings.Join(walk(t, get(session), "/v1/me/consents", "consents", "partner"), ","); got != "p5,p3,p4,p1,p2" {
		t.Errorf("consents paged as %s", got)
	}
	// Partners' reads of the score are the person's access log, newest first.
	tr.score("p-a", 700)
	var want []string
	for _, p := range []string{"p1", "p2", "p3"} {
		if a := tr.do("GET", "/v1/partner/people/p-a/score", tr.keys[p], ""); a.status != 200 {
			t.Fatalf("read by %s: %d %s", p, a.status, a.body)
		}
		want = append([]string{"partner:" + p}, want...)
	}
	if got := strings.Join(walk(t, get(session), "/v1/me/access-log", "entries", "actor"), ","); got != strings.Join(want, ",") {
		t.Errorf("access log paged as %s, want %s", got, strings.Join(want, ","))
	}
}
