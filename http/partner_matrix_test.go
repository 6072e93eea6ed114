package http

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// TestAuthorisationMatrix: every partner, person and operator endpoint ×
// every kind of caller gives the expected status, and the ScoreReader is
// never asked for a person's score unless a live consent covers the read.
func TestAuthorisationMatrix(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.addPartner("acme", "https://acme.example/back")
	ts.addPartner("other")
	now := ts.now
	day := 24 * time.Hour
	for p, s := range map[string]int{"p-score": 700, "p-thresh": 640, "p-none": 710, "p-expired": 720, "p-revoked": 730} {
		ts.score(p, s)
	}
	ts.consent("p-score", "acme", sesame.PurposeLoan, sesame.ScopeScore, now.Add(-day), now.Add(30*day), time.Time{})
	ts.consent("p-thresh", "acme", sesame.PurposeLoan, sesame.ScopeThreshold, now.Add(-day), now.Add(30*day), time.Time{})
	ts.consent("p-expired", "acme", sesame.PurposeLoan, sesame.ScopeFull, now.Add(-30*day), now.Add(-day), time.Time{})
	ts.consent("p-revoked", "acme", sesame.PurposeLoan, sesame.ScopeFull, now.Add(-day), now.Add(30*day), now.Add(-time.Hour))
	personToken := ts.login("p-score")

	type caller struct {
		name, token, person string
	}
	callers := []caller{
		{"no credentials", "", "p-score"},
		{"bad credentials", "ssk_000000000000_" + strings.Repeat("x", 43), "p-score"},
		{"wrong partner", ts.keys["other"], "p-score"},
		{"partner without consent", ts.keys["acme"], "p-none"},
		{"expired consent", ts.keys["acme"], "p-expired"},
		{"revoked consent", ts.keys["acme"], "p-revoked"},
		{"wrong scope", ts.keys["acme"], "p-thresh"},
		{"right scope", ts.keys["acme"], "p-score"},
		{"the person", personToken, "p-score"},
		{"the operator", testOperator, "p-score"},
	}
	type endpoint struct {
		name, method, path, body string
		want                     []int // by caller, in the order above
	}
	endpoints := []endpoint{
		{"partner score", "GET", "/v1/partner/people/%s/score", "",
			[]int{401, 401, 403, 403, 403, 403, 403, 200, 403, 403}},
		{"partner threshold", "GET", "/v1/partner/people/%s/threshold?min=650", "",
			[]int{401, 401, 403, 403, 403, 403, 200, 200, 403, 403}},
		{"partner decision", "POST", "/v1/partner/decisions", `{"person":"%s","product":"personal_loan","requested":5000}`,
			[]int{401, 401, 403, 403, 403, 403, 403, 201, 403, 403}},
		{"partner consent request", "POST", "/v1/partner/consent-requests", `{"person":"%s","purpose":"loan","scope":"score","redirect_uri":"https://acme.example/back"}`,
			[]int{401, 401, 400, 201, 201, 201, 201, 201, 403, 403}},
		{"partner products", "GET", "/v1/partner/products#%s", "",
			[]int{401, 401, 200, 200, 200, 200, 200, 200, 403, 403}},
		{"my score", "GET", "/v1/me/score#%s", "",
			[]int{401, 401, 403, 403, 403, 403, 403, 403, 200, 403}},
		{"my consents", "GET", "/v1/me/consents#%s", "",
			[]int{401, 401, 403, 403, 403, 403, 403, 403, 200, 403}},
		{"my access log", "GET", "/v1/me/access-log#%s", "",
			[]int{401, 401, 403, 403, 403, 403, 403, 403, 200, 403}},
		{"operator partners", "GET", "/v1/operator/partners#%s", "",
			[]int{401, 401, 403, 403, 403, 403, 403, 403, 403, 200}},
		// The person's own score routes: the person, or an operator (whose
		// read is logged); partners are sent to /v1/partner with a consent,
		// whatever consent they hold. No model is active, so what-if is 503
		// once allowed.
		{"person score", "GET", "/v1/people/%s/score", "",
			[]int{401, 401, 403, 403, 403, 403, 403, 403, 200, 200}},
		{"person score history", "GET", "/v1/people/%s/score/history", "",
			[]int{401, 401, 403, 403, 403, 403, 403, 403, 200, 200}},
		{"person tips", "GET", "/v1/people/%s/tips", "",
			[]int{401, 401, 403, 403, 403, 403, 403, 403, 200, 200}},
		{"person what-if", "POST", "/v1/people/%s/score/what-if", `{"features":{"utilisation_now":0.1}}#%s`,
			[]int{401, 401, 403, 403, 403, 403, 403, 403, 503, 503}},
	}
	for _, e := range endpoints {
		for i, c := range callers {
			path := e.path
			if strings.Contains(path, "%s") {
				path = strings.SplitN(fmt.Sprintf(path, c.person), "#", 2)[0]
			}
			body := e.body
			if body != "" {
				body = strings.SplitN(fmt.Sprintf(body, c.person), "#", 2)[0]
			}
			logged := accessEntries(t, ts, c.person)
			before := ts.scores.total()
			readsOfPerson := ts.scores.reads[c.person]
			a := ts.do(e.method, path, c.token, body)
			if a.status != e.want[i] {
				t.Errorf("%s as %s: %d, want %d (%s)", e.name, c.name, a.status, e.want[i], a.body)
			}
			if a.status >= 300 && ts.scores.total() != before {
				t.Errorf("%s as %s: denied (%d) but the score was read", e.name, c.name, a.status)
			}
			if a.status == 403 && !strings.Contains(a.body, `"code":"forbidden"`) {
				t.Errorf("%s as %s: 403 without a reason: %s", e.name, c.name, a.body)
			}
			if c.name == "the person" && e.name == "my score" && ts.scores.reads[c.person] != readsOfPerson+1 {
				t.Errorf("the person's own score was not read from the store")
			}
			// An operator's look at a person's score data is in the
			// person's access log before the answer.
			if c.name == "the operator" && strings.HasPrefix(e.name, "person ") {
				after := accessEntries(t, ts, c.person)
				if len(after) != len(logged)+1 || after[0].Actor != "operator:op" || after[0].Action != "operator.read" || after[0].Outcome != sesame.AccessAllowed {
					t.Errorf("%s as the operator: access log %d → %d entries, newest %+v", e.name, len(logged), len(after), after[0])
				}
			}
			if a.status == 200 && strings.HasPrefix(e.name, "person score") && !strings.Contains(a.body, `"person":"`+c.person+`"`) {
				t.Errorf("%s as %s: %s", e.name, c.name, a.body)
			}
		}
	}
	// No read at all of a person without a live consent, whatever was tried.
	for _, p := range []string{"p-none", "p-expired", "p-revoked"} {
		if n := ts.scores.reads[p]; n != 0 {
			t.Errorf("%s: %d reads of the score without a live consent", p, n)
		}
	}
	// Every partner attempt on a person's data is in that person's log,
	// denied ones included, and the chain holds.
	noneToken := ts.login("p-none")
	var log struct {
		Entries []sesame.AccessEntry `json:"entries"`
		Chain   struct {
			OK bool `json:"ok"`
		} `json:"chain"`
	}
	ts.do("GET", "/v1/me/access-log?verify=true", noneToken, "").json(t, &log)
	if len(log.Entries) != 3 || !log.Chain.OK {
		t.Fatalf("p-none's log: %d entries (want 3 denied: score, threshold, decision), chain ok %v", len(log.Entries), log.Chain.OK)
	}
	for _, e := range log.Entries {
		if e.Outcome != sesame.AccessDenied || e.Actor != "partner:acme" || e.Reason == "" {
			t.Errorf("entry %+v: want a denied entry by partner:acme with a reason", e)
		}
	}
}

func accessEntries(t *testing.T, ts *trustServer, person string) []*sesame.AccessEntry {
	t.Helper()
	es, err := ts.db.AccessLog().AccessEntries(context.Background(), person, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestPersonScoreRoutesOtherPerson: a person reads only their own score
// data; another person's is refused before any read, and nothing is
// logged for a read that did not happen.
func TestPersonScoreRoutesOtherPerson(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.score("p-a", 700)
	ts.score("p-b", 600)
	tok := ts.login("p-a")
	for _, path := range []string{"/v1/people/p-b/score", "/v1/people/p-b/score/history", "/v1/people/p-b/tips"} {
		before := ts.scores.total()
		if a := ts.do("GET", path, tok, ""); a.status != 403 || !strings.Contains(a.body, `"code":"forbidden"`) {
			t.Errorf("%s as p-a: %d %s", path, a.status, a.body)
		}
		if ts.scores.total() != before {
			t.Errorf("%s as p-a: p-b's score was read", path)
		}
	}
	if a := ts.do("POST", "/v1/people/p-b/score/what-if", tok, `{"features":{}}`); a.status != 403 {
		t.Errorf("what-if of p-b as p-a: %d %s", a.status, a.body)
	}
	if a := ts.do("GET", "/v1/people/p-a/score", tok, ""); a.status != 200 || !strings.Contains(a.body, `"score":700`) || strings.Contains(a.body, "features") {
		t.Errorf("own score: %d %s", a.status, a.body)
	}
	if n := len(accessEntries(t, ts, "p-b")); n != 0 {
		t.Errorf("p-b's access log has %d entries; no one read p-b", n)
	}
}

// TestOperatorScoreReadNeedsAccessLog: without an access log to write
// the read to, an operator may not read a score at all.
func TestOperatorScoreReadNeedsAccessLog(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.score("p-a", 700)
	ts.srv.trust = nil
	before := ts.scores.total()
	if a := ts.do("GET", "/v1/people/p-a/score", testOperator, ""); a.status != 503 {
		t.Errorf("operator read without an access log: %d %s", a.status, a.body)
	}
	if ts.scores.total() != before {
		t.Error("the score was read without being logged")
	}
}

// TestThresholdNeverLeaksTheScore: a threshold answer is the same shape
// and the same headers whether the score is just below, far below, absent,
// or the person unknown — and never contains the score or band.
func TestThresholdNeverLeaksTheScore(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.addPartner("acme")
	now := ts.now
	ts.score("p-one", 777)
	ts.score("p-two", 649)
	ts.score("p-three", 351)
	ts.score("p-four", 0)
	for _, p := range []string{"p-one", "p-two", "p-three", "p-four", "p-five"} {
		c := &sesame.Consent{ID: "con_" + p, Person: p, Partner: "acme", Purpose: sesame.PurposeRental, Scope: sesame.ScopeThreshold,
			GrantedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour), Thresholds: []int{400, 650}}
		if err := ts.db.Consents().CreateConsent(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(p, min string) answer {
		return ts.do("GET", "/v1/partner/people/"+p+"/threshold?min="+min, ts.keys["acme"], "")
	}
	norm := func(a answer, p string) string {
		h := a.header.Clone()
		h.Del("X-Request-Id")
		h.Del("Date")
		h.Del("Content-Length") // the person's id differs in length; the body is compared
		return fmt.Sprint(a.status, h, strings.ReplaceAll(a.body, p, "P"))
	}
	base := norm(ask("p-two", "650"), "p-two")
	for _, p := range []string{"p-three", "p-four", "p-five"} {
		if got := norm(ask(p, "650"), p); got != base {
			t.Errorf("%s differs from a plain no:\n%s\n%s", p, got, base)
		}
	}
	yes := ask("p-one", "650")
	if !strings.Contains(yes.body, `"meets":true`) {
		t.Fatalf("p-one: %s", yes.body)
	}
	for _, a := range []answer{yes, ask("p-two", "650"), ask("p-three", "400")} {
		// A request id or a date may hold the digits of a score by chance.
		h := a.header.Clone()
		h.Del("X-Request-Id")
		h.Del("Date")
		all := a.body + fmt.Sprint(h)
		for _, n := range []int{777, 649, 351} {
			if showsNumber(all, n) {
				t.Errorf("threshold answer leaks %d: %s", n, all)
			}
		}
		for _, leak := range []string{"very_good", "excellent", "poor", "good", "band", "score\""} {
			if strings.Contains(all, leak) {
				t.Errorf("threshold answer leaks %q: %s", leak, all)
			}
		}
	}
	// A threshold consent gives no score, and the refusal names no score either.
	a := ts.do("GET", "/v1/partner/people/p-two/score", ts.keys["acme"], "")
	if a.status != 403 || showsNumber(a.body, 649) {
		t.Errorf("score with a threshold consent: %d %s", a.status, a.body)
	}
	// Bad thresholds are refused the same way for everyone, before any read.
	before := ts.scores.total()
	for _, min := range []string{"99999", "-1", "abc", "", "1e3", "650.5", "349", "951", "0650", "650&min=700"} {
		for _, p := range []string{"p-one", "p-five"} {
			a := ask(p, min)
			if a.status != 400 || !strings.Contains(a.body, "min: give one whole number between 350 and 950") {
				t.Errorf("min=%q for %s: %d %s", min, p, a.status, a.body)
			}
		}
	}
	if ts.scores.total() != before {
		t.Errorf("a bad threshold read a score")
	}
}

func TestFullScopeShowsDimensionsAndReasonsScoreScopeDoesNot(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.addPartner("acme")
	ts.score("p-full", 705)
	ts.score("p-score", 705)
	ts.consent("p-full", "acme", sesame.PurposeCreditCard, sesame.ScopeFull, ts.now.Add(-time.Hour), ts.now.Add(time.Hour), time.Time{})
	ts.consent("p-score", "acme", sesame.PurposeCreditCard, sesame.ScopeScore, ts.now.Add(-time.Hour), ts.now.Add(time.Hour), time.Time{})
	full := ts.do("GET", "/v1/partner/people/p-full/score", ts.keys["acme"], "")
	score := ts.do("GET", "/v1/partner/people/p-score/score", ts.keys["acme"], "")
	if !strings.Contains(full.body, `"dimensions"`) || !strings.Contains(full.body, `"reasons"`) || !strings.Contains(full.body, `"score":705`) {
		t.Errorf("full: %s", full.body)
	}
	if strings.Contains(score.body, `"dimensions"`) || strings.Contains(score.body, `"reasons"`) || !strings.Contains(score.body, `"band":"excellent"`) {
		t.Errorf("score: %s", score.body)
	}
	for _, leak := range []string{"features", "income", "tips"} {
		if strings.Contains(full.body, leak) {
			t.Errorf("full scope shows %s: %s", leak, full.body)
		}
	}
}
