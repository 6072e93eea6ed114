package http

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
)

// TestHistoryPages: the score history pages with limit and cursor as the
// events do, newest first, each entry once, and the last page has no next.
func TestHistoryPages(t *testing.T) {
	ts := newTrustServer(t, false)
	for i := 0; i < 5; i++ {
		ts.score("p-a", 600+i)
	}
	var seen []int
	path := "/v1/people/p-a/score/history?limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		a := ts.do("GET", path, testOperator, "")
		if a.status != 200 {
			t.Fatalf("%s: %d %s", path, a.status, a.body)
		}
		var p scoreHistoryPage
		a.json(t, &p)
		if len(p.History) > 2 {
			t.Fatalf("page of %d entries with limit 2", len(p.History))
		}
		for _, h := range p.History {
			seen = append(seen, h.Score)
		}
		if p.Next == "" {
			break
		}
		path = "/v1/people/p-a/score/history?limit=2&cursor=" + url.QueryEscape(p.Next)
	}
	want := []int{604, 603, 602, 601, 600}
	if len(seen) != len(want) {
		t.Fatalf("paged through %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("paged through %v, want %v", seen, want)
		}
	}
}

// TestListsRejectUnknownParametersAlike: every list (and every other /v1
// route) names an unknown parameter in the same error shape, and a bad
// limit or cursor in the same words.
func TestListsRejectUnknownParametersAlike(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.score("p-a", 700)
	events := newTestServer(t, Config{})
	for _, target := range []string{"/v1/people/p-a/events?limt=5", "/v1/people/p-a/events?limit=0", "/v1/people/p-a/events?limit=x", "/v1/people/p-a/events?cursor=nonsense"} {
		w := events.do("GET", target, operatorToken, "", nil)
		e := errorAnswer(t, w, 400, sesame.EINVALID)
		field := strings.Split(strings.SplitN(target, "?", 2)[1], "=")[0]
		if len(e.Details) != 1 || e.Details[0].Field != field {
			t.Errorf("%s: details %+v, want one naming %s", target, e.Details, field)
		}
	}
	for _, path := range []string{
		"/v1/people/p-a/score/history?limt=5",
		"/v1/people/p-a/score?limt=5",
		"/v1/operator/models?limt=5",
		"/v1/operator/partners?limt=5",
	} {
		a := ts.do("GET", path, testOperator, "")
		var b errorBody
		a.json(t, &b)
		if a.status != 400 || b.Error.Code != sesame.EINVALID || len(b.Error.Details) != 1 || b.Error.Details[0].Field != "limt" ||
			!strings.HasPrefix(b.Error.Details[0].Reason, "unknown query parameter") {
			t.Errorf("%s: %d %s", path, a.status, a.body)
		}
	}
	for _, path := range []string{"/v1/people/p-a/score/history"} {
		for _, q := range []string{"?limit=0", "?limit=x", "?cursor=nonsense"} {
			a := ts.do("GET", path+q, testOperator, "")
			var b errorBody
			a.json(t, &b)
			field := strings.Split(strings.TrimPrefix(q, "?"), "=")[0]
			if a.status != 400 || len(b.Error.Details) != 1 || b.Error.Details[0].Field != field {
				t.Errorf("%s%s: %d %s", path, q, a.status, a.body)
			}
		}
	}
}

// TestBodyErrorsNameNoGoTypes: a body of the wrong type is explained in
// JSON's words and the API's field names.
func TestBodyErrorsNameNoGoTypes(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.score("p-a", 700)
	for body, want := range map[string]string{
		`{"features":"x"}`:                     "features must be an object, not a string",
		`{"features":{"utilisation_now":"a"}}`: "features must be a number, not a string",
		`{"featurez":{}}`:                      `unknown field "featurez"`,
		`{"features":`:                         "the body is not valid JSON",
		`[1]`:                                  "the body must be a JSON object, not an array",
	} {
		a := ts.do("POST", "/v1/people/p-a/score/what-if", testOperator, body, "Content-Type", "application/json")
		var b errorBody
		a.json(t, &b)
		if a.status != 400 || !strings.Contains(b.Error.Message, want) {
			t.Errorf("%s: %d %q, want a message with %q", body, a.status, b.Error.Message, want)
		}
		for _, leak := range []string{"Go struct", "whatIfRequest", "float64", "map[", "unmarshal"} {
			if strings.Contains(a.body, leak) {
				t.Errorf("%s: the answer names Go internals (%q): %s", body, leak, a.body)
			}
		}
	}
}
