package http

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/policy"
)

func TestConsentRequestApproveAndDecline(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.addPartner("acme", "https://acme.example/back?x=1")
	ts.score("p1", 690)
	key := ts.keys["acme"]
	// An unregistered redirect URI is refused.
	a := ts.do("POST", "/v1/partner/consent-requests", key, `{"person":"p1","purpose":"rental","scope":"threshold","redirect_uri":"https://evil.example/"}`)
	if a.status != 400 || !strings.Contains(a.body, "redirect_uri") {
		t.Fatalf("unregistered redirect: %d %s", a.status, a.body)
	}
	a = ts.do("POST", "/v1/partner/consent-requests", key, `{"person":"p1","purpose":"rental","scope":"full","redirect_uri":"https://acme.example/back?x=1","state":"s-42","duration_days":30}`)
	if a.status != 201 {
		t.Fatalf("request: %d %s", a.status, a.body)
	}
	var cr consentRequestAnswer
	a.json(t, &cr)
	if cr.Status != "pending" || !strings.Contains(cr.ApprovalURL, "/portal/consents?request="+cr.ID) {
		t.Fatalf("request answer %+v", cr)
	}
	// Before approval: no read.
	if a := ts.do("GET", "/v1/partner/people/p1/score", key, ""); a.status != 403 {
		t.Fatalf("read before approval: %d", a.status)
	}
	session := ts.login("p1")
	var pending struct {
		Requests []sesame.ConsentRequest `json:"requests"`
	}
	ts.do("GET", "/v1/me/consent-requests", session, "").json(t, &pending)
	if len(pending.Requests) != 1 || pending.Requests[0].ID != cr.ID {
		t.Fatalf("pending: %+v", pending)
	}
	// Someone else cannot answer it.
	if a := ts.do("POST", "/v1/me/consent-requests/"+cr.ID+"/approve", ts.login("p2"), ""); a.status != 404 {
		t.Fatalf("another person approving: %d %s", a.status, a.body)
	}
	a = ts.do("POST", "/v1/me/consent-requests/"+cr.ID+"/approve", session, "")
	var ans struct {
		RedirectTo string `json:"redirect_to"`
	}
	a.json(t, &ans)
	u, _ := url.Parse(ans.RedirectTo)
	if a.status != 200 || u.Host != "acme.example" || u.Query().Get("request") != cr.ID || u.Query().Get("state") != "s-42" || u.Query().Get("status") != "approved" || u.Query().Get("x") != "1" {
		t.Fatalf("approve: %d %s", a.status, a.body)
	}
	if a := ts.do("POST", "/v1/me/consent-requests/"+cr.ID+"/decline", session, ""); a.status != 409 {
		t.Fatalf("answering twice: %d", a.status)
	}
	ts.do("GET", "/v1/partner/consent-requests/"+cr.ID, key, "").json(t, &cr)
	if cr.Status != "approved" || cr.Consent == "" {
		t.Fatalf("poll: %+v", cr)
	}
	if a := ts.do("GET", "/v1/partner/people/p1/score", key, ""); a.status != 200 || !strings.Contains(a.body, `"score":690`) {
		t.Fatalf("read after approval: %d %s", a.status, a.body)
	}
	// The person revokes: effective at once.
	if a := ts.do("DELETE", "/v1/me/consents/"+cr.Consent, session, ""); a.status != 204 {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	if a := ts.do("GET", "/v1/partner/people/p1/score", key, ""); a.status != 403 || !strings.Contains(a.body, "revoked") {
		t.Fatalf("read after revocation: %d %s", a.status, a.body)
	}
	// A declined request: browser form post → 303 to the partner.
	a = ts.do("POST", "/v1/partner/consent-requests", key, `{"purpose":"loan","scope":"score","redirect_uri":"https://acme.example/back?x=1"}`)
	a.json(t, &cr)
	a = ts.do("POST", "/v1/me/consent-requests/"+cr.ID+"/decline", session, "", "Content-Type", "application/x-www-form-urlencoded")
	if a.status != 303 || !strings.Contains(a.header.Get("Location"), "status=declined") {
		t.Fatalf("decline: %d %v", a.status, a.header)
	}
	// Another partner cannot poll it.
	ts.addPartner("other")
	if a := ts.do("GET", "/v1/partner/consent-requests/"+cr.ID, ts.keys["other"], ""); a.status != 404 {
		t.Fatalf("other partner polling: %d", a.status)
	}
}

func TestPersonGrantsListsRevokes(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.addPartner("acme")
	s := ts.login("p1")
	a := ts.do("POST", "/v1/me/consents", s, `{"partner":"acme","purpose":"bike_sharing","scope":"threshold","thresholds":[600],"duration_days":7}`)
	if a.status != 201 {
		t.Fatalf("grant: %d %s", a.status, a.body)
	}
	var c sesame.Consent
	a.json(t, &c)
	for _, bad := range []string{
		`{"partner":"acme","purpose":"gambling","scope":"threshold"}`,
		`{"partner":"acme","purpose":"loan","scope":"everything"}`,
		`{"partner":"nobody","purpose":"loan","scope":"score"}`,
		`{"partner":"acme","purpose":"loan","scope":"score","duration_days":9999}`,
		`{"partner":"acme","purpose":"loan","scope":"score","expires_at":"2001-01-01T00:00:00Z"}`,
		`{"partner":"acme","purpose":"loan","scope":"score","sneaky":true}`,
		`{"partner":"acme","purpose":"loan","scope":"score"`,
		`[]`,
	} {
		if a := ts.do("POST", "/v1/me/consents", s, bad); a.status != 400 {
			t.Errorf("grant %s: %d %s", bad, a.status, a.body)
		}
	}
	var list struct {
		Consents []sesame.Consent `json:"consents"`
	}
	ts.do("GET", "/v1/me/consents", s, "").json(t, &list)
	if len(list.Consents) != 1 || list.Consents[0].ID != c.ID {
		t.Fatalf("list: %+v", list)
	}
	// Another person cannot revoke it.
	if a := ts.do("DELETE", "/v1/me/consents/"+c.ID, ts.login("p2"), ""); a.status != 404 {
		t.Fatalf("other person revoking: %d", a.status)
	}
	ts.do("DELETE", "/v1/me/consents/"+c.ID, s, "")
	ts.do("GET", "/v1/me/consents", s, "").json(t, &list)
	if len(list.Consents) != 0 {
		t.Fatalf("revoked consent still listed as live")
	}
	ts.do("GET", "/v1/me/consents?all=true", s, "").json(t, &list)
	if len(list.Consents) != 1 || list.Consents[0].RevokedAt.IsZero() {
		t.Fatalf("history: %+v", list)
	}
}

func TestSessionsLinksCookiesAndCSRF(t *testing.T) {
	ts := newTrustServer(t, false)
	token, _, _ := ts.trust.People.LoginLink(context.Background(), "p1")
	a := ts.do("POST", "/v1/auth/login", "", `{"token":"`+token+`"}`)
	if a.status != 200 {
		t.Fatal(a.body)
	}
	var s sessionAnswer
	a.json(t, &s)
	if a := ts.do("POST", "/v1/auth/login", "", `{"token":"`+token+`"}`); a.status != 401 {
		t.Fatalf("a login link works twice: %d", a.status)
	}
	if a := ts.do("POST", "/v1/auth/login", "", `{"token":"ssl_forged"}`); a.status != 401 {
		t.Fatalf("forged link: %d", a.status)
	}
	cookie := "sesame_session=" + s.Session
	if a := ts.do("GET", "/v1/me", "", "", "Cookie", cookie); a.status != 200 || !strings.Contains(a.body, `"person":"p1"`) {
		t.Fatalf("cookie session: %d %s", a.status, a.body)
	}
	ts.addPartner("acme")
	grant := `{"partner":"acme","purpose":"loan","scope":"score"}`
	if a := ts.do("POST", "/v1/me/consents", "", grant, "Cookie", cookie); a.status != 403 {
		t.Fatalf("cookie POST without Origin: %d", a.status)
	}
	if a := ts.do("POST", "/v1/me/consents", "", grant, "Cookie", cookie, "Origin", "https://evil.example"); a.status != 403 {
		t.Fatalf("cookie POST from another site: %d", a.status)
	}
	host := strings.TrimPrefix(ts.http.URL, "http://")
	if a := ts.do("POST", "/v1/me/consents", "", grant, "Cookie", cookie, "Origin", "http://"+host); a.status != 201 {
		t.Fatalf("cookie POST from our origin: %d %s", a.status, a.body)
	}
	if a := ts.do("POST", "/v1/auth/logout", s.Session, ""); a.status != 204 {
		t.Fatalf("logout: %d", a.status)
	}
	if a := ts.do("GET", "/v1/me", s.Session, ""); a.status != 401 {
		t.Fatalf("session after logout: %d", a.status)
	}
	// Log out everywhere ends the person's other sessions too.
	s1, s2 := ts.login("p1"), ts.login("p1")
	if a := ts.do("POST", "/v1/auth/logout?everywhere=true", s1, ""); a.status != 204 {
		t.Fatalf("logout everywhere: %d", a.status)
	}
	if a := ts.do("GET", "/v1/me", s2, ""); a.status != 401 {
		t.Fatalf("another session after logout everywhere: %d", a.status)
	}
	// Demo login is refused outside demo mode.
	if a := ts.do("POST", "/v1/auth/demo", "", `{"person":"p1"}`); a.status != 403 || a.header.Get("Sesame-Mode") != "" {
		t.Fatalf("demo login on a real server: %d", a.status)
	}
	// Sessions and links are stored hashed: the token is nowhere in the database.
	var n int
	ts.db.SQL().QueryRow(`SELECT count(*) FROM person_sessions WHERE hash = ? OR CAST(hash AS TEXT) LIKE ?`, []byte(s.Session), "%"+s.Session[4:12]+"%").Scan(&n)
	if n != 0 {
		t.Fatal("a session token is stored in the clear")
	}
}

func TestDemoModeSaysSo(t *testing.T) {
	ts := newTrustServer(t, true)
	a := ts.do("POST", "/v1/auth/demo", "", `{"person":"demo-1"}`)
	if a.status != 200 || !strings.Contains(a.body, "demo mode") || !strings.Contains(a.header.Get("Sesame-Mode"), "demo mode") {
		t.Fatalf("demo login: %d %v %s", a.status, a.header, a.body)
	}
	var s sessionAnswer
	a.json(t, &s)
	me := ts.do("GET", "/v1/me", s.Session, "")
	if !strings.Contains(me.body, `"demo":true`) || !strings.Contains(me.header.Get("Sesame-Mode"), "demo") {
		t.Fatalf("/v1/me in demo mode: %v %s", me.header, me.body)
	}
}

func TestPartnerKeysRotateRevokeAndRateLimit(t *testing.T) {
	ts := newTrustServer(t, false)
	old := ts.addPartner("acme")
	get := func(key string) int { return ts.do("GET", "/v1/partner/products", key, "").status }
	if get(old) != 200 {
		t.Fatal("new key refused")
	}
	if get(old[:len(old)-1]+"x") != 401 {
		t.Fatal("altered key accepted")
	}
	// Rotation with a grace period: both keys work.
	var k keyAnswer
	ts.do("POST", "/v1/operator/partners/acme/keys", testOperator, `{"grace_seconds":3600}`).json(t, &k)
	if get(old) != 200 || get(k.APIKey) != 200 {
		t.Fatal("keys during the grace period")
	}
	// Rotation without grace: the older keys stop at once.
	var k2 keyAnswer
	ts.do("POST", "/v1/operator/partners/acme/keys", testOperator, `{"grace_seconds":0}`).json(t, &k2)
	if get(old) != 401 || get(k.APIKey) != 401 || get(k2.APIKey) != 200 {
		t.Fatalf("after rotation: %d %d %d", get(old), get(k.APIKey), get(k2.APIKey))
	}
	// Keys are stored hashed.
	var n int
	ts.db.SQL().QueryRow(`SELECT count(*) FROM partner_keys WHERE CAST(hash AS TEXT) LIKE ?`, "%"+k2.APIKey[17:40]+"%").Scan(&n)
	if n != 0 {
		t.Fatal("a key is stored in the clear")
	}
	// Revocation of every key.
	if a := ts.do("DELETE", "/v1/operator/partners/acme/keys", testOperator, ""); a.status != 204 {
		t.Fatal(a.body)
	}
	if get(k2.APIKey) != 401 {
		t.Fatal("revoked key accepted")
	}
	// Rate limit: 1/s with a burst of 2 → the third request is 429 with Retry-After.
	a := ts.do("POST", "/v1/operator/partners", testOperator, `{"id":"slow","name":"Slow","rate_per_second":1,"burst":2}`)
	a.json(t, &k)
	get(k.APIKey)
	get(k.APIKey)
	r := ts.do("GET", "/v1/partner/products", k.APIKey, "")
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("rate limit: %d %v", r.status, r.header)
	}
	// A disabled partner's keys stop working at once, and work again when enabled.
	slow, _ := ts.db.Partners().Partner(context.Background(), "slow")
	slow.RatePerSecond, slow.Burst, slow.DisabledAt = 100, 100, time.Now()
	ts.db.Partners().UpdatePartner(context.Background(), slow)
	if get(k.APIKey) != 401 {
		t.Fatal("a disabled partner's key accepted")
	}
	slow.DisabledAt = time.Time{}
	ts.db.Partners().UpdatePartner(context.Background(), slow)
	time.Sleep(50 * time.Millisecond) // the bucket, emptied above, refills at the new rate
	if got := get(k.APIKey); got != 200 {
		t.Fatalf("re-enabled partner: %d", got)
	}
	// Bad partner registrations.
	for _, bad := range []string{`{"id":"","name":"x"}`, `{"id":"a b","name":"x"}`, `{"id":"x","name":""}`, `{"id":"x","name":"x","redirect_uris":["javascript:alert(1)"]}`, `{"id":"x","name":"x","rate_per_second":-1}`, `{"id":"x","name":"x","extra":1}`} {
		if a := ts.do("POST", "/v1/operator/partners", testOperator, bad); a.status != 400 {
			t.Errorf("register %s: %d %s", bad, a.status, a.body)
		}
	}
	if a := ts.do("POST", "/v1/operator/partners", testOperator, `{"id":"acme","name":"again"}`); a.status != 409 {
		t.Errorf("duplicate partner: %d", a.status)
	}
}

func TestDecisionStoredAndReplayedIdentically(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.addPartner("acme")
	ts.score("p1", 655)
	ts.score("p2", 520)
	for _, p := range []string{"p1", "p2"} {
		ts.consent(p, "acme", sesame.PurposeLoan, sesame.ScopeScore, ts.now.Add(-time.Hour), ts.now.Add(time.Hour), time.Time{})
	}
	a := ts.do("POST", "/v1/partner/decisions", ts.keys["acme"], `{"person":"p1","product":"personal_loan","requested":50000}`)
	if a.status != 201 {
		t.Fatalf("decision: %d %s", a.status, a.body)
	}
	var d decisionAnswer
	a.json(t, &d)
	if d.Result.Decision != "approve" || d.Result.Rate != 0.099 || d.Result.Amount != 50000 || d.ModelVersion != "m1" || len(d.PolicyVersion) != 64 {
		t.Fatalf("decision %+v", d)
	}
	if showsNumber(a.body, 655) || strings.Contains(a.body, "features") {
		t.Fatalf("the decision answer shows the score input: %s", a.body)
	}
	stored, replayed, same, err := policy.Replay(context.Background(), ts.db.Decisions(), d.ID)
	if err != nil || !same {
		t.Fatalf("replay: same=%v err=%v\n%s\n%s", same, err, stored.Raw, replayed)
	}
	// A decline carries the score's reasons, at most four.
	a = ts.do("POST", "/v1/partner/decisions", ts.keys["acme"], `{"person":"p2","product":"personal_loan"}`)
	a.json(t, &d)
	if d.Result.Decision != "decline" || len(d.Result.Reasons) == 0 || len(d.Result.Reasons) > 4 || !strings.Contains(strings.Join(d.Result.Reasons, "|"), "High use of credit limits") {
		t.Fatalf("decline: %+v", d.Result)
	}
	// The rule stands apart from the reasons; the notice carries each of the
	// score's reasons with its code, text and points lost.
	if d.Result.Rule != "score 520, the product needs 550" || strings.Contains(strings.Join(d.Result.Reasons, "|"), "score") {
		t.Fatalf("decline rule %q, reasons %q: the cutoff must be said apart", d.Result.Rule, d.Result.Reasons)
	}
	if len(d.Notice) != 1 || d.Notice[0].Code != "R11" || d.Notice[0].PointsLost != 21 || d.Notice[0].Text != "High use of credit limits" {
		t.Fatalf("notice %+v", d.Notice)
	}
	// The partner reads it back; another partner cannot.
	if a := ts.do("GET", "/v1/partner/decisions/"+d.ID, ts.keys["acme"], ""); a.status != 200 {
		t.Fatalf("read back: %d", a.status)
	}
	// In Chinese, the decline's words are Chinese; the stored result is not
	// touched (the replay above compares it).
	var zh decisionAnswerJSON
	ts.do("GET", "/v1/partner/decisions/"+d.ID, ts.keys["acme"], "", "Accept-Language", "zh-CN").json(t, &zh)
	if zh.Result.Rule != "评分 520，该产品要求 550 分" || strings.Contains(strings.Join(zh.Result.Reasons, "|"), "High use") || len(zh.Notice) != 1 || strings.Contains(zh.Notice[0].Text, "High use") {
		t.Fatalf("decline in Chinese: %+v, notice %+v", zh.Result, zh.Notice)
	}
	ts.addPartner("other")
	if a := ts.do("GET", "/v1/partner/decisions/"+d.ID, ts.keys["other"], ""); a.status != 404 {
		t.Fatalf("other partner: %d", a.status)
	}
	// The person sees the decisions about them.
	var mine struct {
		Decisions []sesame.Decision `json:"decisions"`
	}
	ts.do("GET", "/v1/me/decisions", ts.login("p2"), "").json(t, &mine)
	if len(mine.Decisions) != 1 || mine.Decisions[0].ID != d.ID || mine.Decisions[0].Result.Decision != "decline" {
		t.Fatalf("p2's decisions: %+v", mine)
	}
	ts.do("GET", "/v1/me/decisions", ts.login("p2"), "", "Accept-Language", "zh-CN").json(t, &mine)
	if len(mine.Decisions) != 1 || mine.Decisions[0].Result.Rule != "评分 520，该产品要求 550 分" ||
		strings.Contains(strings.Join(mine.Decisions[0].Result.Reasons, "|"), "High use") || strings.Contains(mine.Decisions[0].Input.Reasons[0].Text, "High use") {
		t.Fatalf("p2's decisions in Chinese: %+v", mine)
	}
	// A product of another purpose needs a consent for that purpose.
	if a := ts.do("POST", "/v1/partner/decisions", ts.keys["acme"], `{"person":"p1","product":"credit_card"}`); a.status != 403 || !strings.Contains(a.body, "another purpose") {
		t.Fatalf("wrong purpose: %d %s", a.status, a.body)
	}
}

func TestBadInputGetsClear4xx(t *testing.T) {
	ts := newTrustServer(t, false)
	key := ts.addPartner("acme")
	ts.score("p1", 700)
	ts.consent("p1", "acme", sesame.PurposeLoan, sesame.ScopeFull, ts.now.Add(-time.Hour), ts.now.Add(time.Hour), time.Time{})
	huge := `{"person":"p1","product":"personal_loan","pad":"` + strings.Repeat("a", 100<<10) + `"}`
	cases := []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/v1/partner/decisions", huge, 413},
		{"POST", "/v1/partner/decisions", `{"person":"p1","product":"nope"}`, 404},
		{"POST", "/v1/partner/decisions", `{"person":"p1","product":"personal_loan","requested":-5}`, 400},
		{"POST", "/v1/partner/decisions", `{"person":"p1","product":"personal_loan","requested":1e300}`, 400},
		{"POST", "/v1/partner/decisions", `{"person":"../../etc","product":"personal_loan"}`, 400},
		{"POST", "/v1/partner/decisions", `{"person":"p1","product":"personal_loan","extra":1}`, 400},
		{"POST", "/v1/partner/decisions", `{"person":`, 400},
		{"POST", "/v1/partner/decisions", `"just a string"`, 400},
		{"POST", "/v1/partner/consent-requests", `{"purpose":"loan","scope":"score","redirect_uri":"x","state":"` + strings.Repeat("s", 600) + `"}`, 400},
		{"GET", "/v1/partner/people/" + strings.Repeat("x", 300) + "/score", "", 400},
		{"GET", "/v1/partner/people/p1/threshold?min=99999", "", 400},
		{"GET", "/v1/partner/decisions/nope", "", 404},
	}
	for _, c := range cases {
		a := ts.do(c.method, c.path, key, c.body)
		if a.status != c.want {
			t.Errorf("%s %s %.60s: %d, want %d (%s)", c.method, c.path, c.body, a.status, c.want, a.body)
		}
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal([]byte(a.body), &e) != nil || e.Error.Message == "" {
			t.Errorf("%s %s: no error message: %s", c.method, c.path, a.body)
		}
	}
	if a := ts.do("POST", "/v1/partner/decisions", key, `{"person":"p1","product":"personal_loan"}`, "Content-Type", "text/plain"); a.status != 415 {
		t.Errorf("text/plain: %d", a.status)
	}
	_ = time.Now
}

// decisionAnswerJSON is the part of a decision answer a reader's language
// changes.
type decisionAnswerJSON struct {
	Result sesame.DecisionResult `json:"result"`
	Notice []sesame.Reason       `json:"notice"`
}
