package http

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// TestThresholdBisectionIsRefused: a partner with a threshold consent
// tries to pin a score by bisecting ?min=. The consent, asked for and
// approved through the API, names 650 only: every other threshold is a
// 403, so after twenty probes the partner knows no more than "at least
// 650" (a 300-point range), and each refused probe is in the person's
// access log with the score it asked about.
func TestThresholdBisectionIsRefused(t *testing.T) {
	ts := newTrustServer(t, false)
	key := ts.addPartner("acme", "https://acme.example/back")
	ts.score("p1", 673)
	session := ts.login("p1")

	a := ts.do("POST", "/v1/partner/consent-requests", key, `{"person":"p1","purpose":"rental","scope":"threshold","redirect_uri":"https://acme.example/back"}`)
	if a.status != 400 || !strings.Contains(a.body, "thresholds") {
		t.Fatalf("a threshold request naming no threshold: %d %s, want 400 naming thresholds", a.status, a.body)
	}
	a = ts.do("POST", "/v1/partner/consent-requests", key, `{"person":"p1","purpose":"rental","scope":"threshold","thresholds":[650],"redirect_uri":"https://acme.example/back"}`)
	if a.status != 201 {
		t.Fatalf("request: %d %s", a.status, a.body)
	}
	var cr consentRequestAnswer
	a.json(t, &cr)
	if a := ts.do("GET", "/v1/me/consent-requests/"+cr.ID, session, ""); !strings.Contains(a.body, `"thresholds":[650]`) {
		t.Errorf("the person is not shown the threshold before approving: %s", a.body)
	}
	if a := ts.do("POST", "/v1/me/consent-requests/"+cr.ID+"/approve", session, ""); a.status != 200 {
		t.Fatalf("approve: %d %s", a.status, a.body)
	}

	// Bisection: lo ≤ score ≤ hi is all the partner can know.
	lo, hi, probes, refused := sesame.MinScore, sesame.MaxScore, 0, 0
	for mid := (lo + hi + 1) / 2; probes < 20 && hi-lo > 0; probes++ {
		a := ts.do("GET", fmt.Sprintf("/v1/partner/people/p1/threshold?min=%d", mid), key, "")
		switch a.status {
		case 200:
			var ans thresholdAnswer
			a.json(t, &ans)
			if ans.Meets {
				lo = mid
			} else {
				hi = mid - 1
			}
			mid = (lo + hi + 1) / 2
		case 403:
			refused++
			if showsNumber(a.body, 673) {
				t.Fatalf("a refusal shows the score: %s", a.body)
			}
			// A refusal teaches nothing: the partner tries the next integer up.
			mid = min(mid+7, hi)
		default:
			t.Fatalf("min=%d: %d %s", mid, a.status, a.body)
		}
	}
	if hi-lo < 10 {
		t.Fatalf("bisection pinned the score to [%d, %d] in %d probes", lo, hi, probes)
	}
	t.Logf("after %d probes (%d refused, 403) the partner knows only %d ≤ score ≤ %d (true score 673)", probes, refused, lo, hi)
	if lo != 650 || hi != sesame.MaxScore {
		t.Errorf("after %d probes the partner knows [%d, %d], want only [650, 950]", probes, lo, hi)
	}

	// Every refused probe is in the person's access log, denied, with the
	// threshold it asked about.
	var log struct {
		Entries []sesame.AccessEntry `json:"entries"`
	}
	ts.do("GET", "/v1/me/access-log?limit=100", session, "").json(t, &log)
	denied := 0
	for _, e := range log.Entries {
		if e.Action == "threshold.check" && e.Outcome == sesame.AccessDenied {
			denied++
			if !strings.Contains(e.Reason, "does not name this threshold") || !strings.Contains(e.Reason, "is the score at least") {
				t.Errorf("denied probe logged as %q", e.Reason)
			}
		}
	}
	if denied != refused || refused == 0 {
		t.Errorf("%d probes refused, %d denied entries in the person's log", refused, denied)
	}
}

// TestChainEntriesAreThePersonsOwn: the person's access log reports how
// many entries of the verified chain are theirs, not the platform's total.
func TestChainEntriesAreThePersonsOwn(t *testing.T) {
	ts := newTrustServer(t, false)
	key := ts.addPartner("acme")
	for _, p := range []string{"p1", "p2"} {
		ts.score(p, 700)
		ts.consent(p, "acme", sesame.PurposeLoan, sesame.ScopeScore, ts.now.Add(-time.Hour), ts.now.Add(time.Hour), time.Time{})
	}
	for i := 0; i < 5; i++ {
		ts.do("GET", "/v1/partner/people/p2/score", key, "")
	}
	ts.do("GET", "/v1/partner/people/p1/score", key, "")
	session := ts.login("p1")
	var log struct {
		Entries []sesame.AccessEntry `json:"entries"`
		Chain   struct {
			OK      bool `json:"ok"`
			Entries int  `json:"entries"`
		} `json:"chain"`
	}
	ts.do("GET", "/v1/me/access-log?verify=true", session, "").json(t, &log)
	if !log.Chain.OK || log.Chain.Entries != len(log.Entries) || log.Chain.Entries != 1 {
		t.Errorf("chain: %+v with %d entries of p1's, want ok and 1", log.Chain, len(log.Entries))
	}
}

// TestThresholdRequestNamingAProduct: a threshold request may name a
// product instead of thresholds; its rule's score cut-offs become the
// consent's thresholds, shown to the person.
func TestThresholdRequestNamingAProduct(t *testing.T) {
	ts := newTrustServer(t, false)
	key := ts.addPartner("acme", "https://acme.example/back")
	body := func(extra string) string {
		return `{"person":"p1","purpose":"bike_sharing","redirect_uri":"https://acme.example/back",` + extra + `}`
	}
	a := ts.do("POST", "/v1/partner/consent-requests", key, body(`"scope":"threshold","product":"bike_sharing"`))
	if a.status != 201 || !strings.Contains(a.body, `"thresholds":[600]`) {
		t.Fatalf("a threshold request for bike_sharing: %d %s, want thresholds [600]", a.status, a.body)
	}
	for _, bad := range []string{
		`"scope":"threshold","product":"no_such_product"`,
		`"scope":"score","product":"bike_sharing"`,
		`"scope":"threshold","product":"bike_sharing","thresholds":[650]`,
	} {
		if a := ts.do("POST", "/v1/partner/consent-requests", key, body(bad)); a.status != 400 || !strings.Contains(a.body, `"product"`) {
			t.Errorf("%s: %d %s, want 400 naming product", bad, a.status, a.body)
		}
	}
}

// TestThresholdConsentsCannotPinTheScore: the most a partner can get from
// one person in threshold consents, asked for one after another, is
// thresholds a band apart; bisecting with all of them leaves a range of
// 50 points, never 10.
func TestThresholdConsentsCannotPinTheScore(t *testing.T) {
	ts := newTrustServer(t, false)
	key := ts.addPartner("acme", "https://acme.example/back")
	ts.score("p1", 673)
	session := ts.login("p1")
	ask := func(thresholds string) answer {
		return ts.do("POST", "/v1/partner/consent-requests", key, `{"person":"p1","purpose":"rental","scope":"threshold","thresholds":`+thresholds+`,"redirect_uri":"https://acme.example/back"}`)
	}
	if a := ask("[660,670,680,690]"); a.status != 400 || !strings.Contains(a.body, "at least 50 points apart") {
		t.Fatalf("four thresholds 10 apart: %d %s, want 400", a.status, a.body)
	}
	approve := func(thresholds string) answer {
		a := ask(thresholds)
		if a.status != 201 {
			t.Fatalf("request %s: %d %s", thresholds, a.status, a.body)
		}
		var cr consentRequestAnswer
		a.json(t, &cr)
		return ts.do("POST", "/v1/me/consent-requests/"+cr.ID+"/approve", session, "")
	}
	if a := approve("[600,650,700,750]"); a.status != 200 {
		t.Fatalf("approve four thresholds a band apart: %d %s", a.status, a.body)
	}
	for _, more := range []string{"[660]", "[640,690]", "[725]"} {
		if a := approve(more); a.status != 400 || !strings.Contains(a.body, "closer than 50 points") {
			t.Errorf("approving %s beside [600,650,700,750]: %d %s, want 400", more, a.status, a.body)
		}
	}
	// The partner asks every threshold; its rate limit's clock moves a
	// second a request so that every probe is answered, not throttled.
	var tick atomic.Int64
	ts.srv.Now = func() time.Time { return time.Now().Add(time.Duration(tick.Add(1)) * time.Second) }
	lo, hi, answered := sesame.MinScore, sesame.MaxScore, 0
	for m := sesame.MinScore; m <= sesame.MaxScore; m++ {
		a := ts.do("GET", fmt.Sprintf("/v1/partner/people/p1/threshold?min=%d", m), key, "")
		if a.status == 403 {
			continue
		}
		if a.status != 200 {
			t.Fatalf("min=%d: %d %s", m, a.status, a.body)
		}
		answered++
		var ans thresholdAnswer
		a.json(t, &ans)
		if ans.Meets {
			lo = max(lo, m)
		} else {
			hi = min(hi, m-1)
		}
	}
	if answered != 4 {
		t.Errorf("%d thresholds answered, want the 4 the person agreed to", answered)
	}
	if hi-lo+1 < 50 {
		t.Fatalf("asking every threshold pinned the score to [%d, %d]", lo, hi)
	}
	t.Logf("asking all 601 thresholds, the partner knows only %d ≤ score ≤ %d (true 673)", lo, hi)
}
