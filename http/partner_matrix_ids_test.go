package http

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// TestAuthorisationMatrixByID covers the endpoints that name a resource
// rather than a person — a decision, a consent request, a consent, a key —
// and the person and operator routes, for every kind of caller. Together
// with TestAuthorisationMatrix it covers every route of these files.
func TestAuthorisationMatrixByID(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.addPartner("acme", "https://acme.example/back")
	ts.addPartner("other")
	ctx := context.Background()
	now := ts.now
	day := 24 * time.Hour
	for _, p := range []string{"p-live", "p-exp", "p-rev"} {
		ts.score(p, 680)
		ts.consent(p, "acme", sesame.PurposeLoan, sesame.ScopeScore, now.Add(-day), now.Add(30*day), time.Time{})
	}
	decide := func(p string) string {
		var d decisionAnswer
		a := ts.do("POST", "/v1/partner/decisions", ts.keys["acme"], `{"person":"`+p+`","product":"personal_loan"}`)
		a.json(t, &d)
		if a.status != 201 {
			t.Fatalf("decision for %s: %d %s", p, a.status, a.body)
		}
		return d.ID
	}
	dLive, dExp, dRev := decide("p-live"), decide("p-exp"), decide("p-rev")
	// Now the consents of p-exp and p-rev end: expired (rewritten in the store) and revoked.
	if _, err := ts.db.Writer().Exec(`UPDATE consents SET expires_at = ? WHERE person = 'p-exp'`, now.Add(-time.Hour).UnixNano()); err != nil {
		t.Fatal(err)
	}
	if err := ts.db.Consents().RevokeConsent(ctx, "p-rev", "con_p-rev_acme", now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	var cr consentRequestAnswer
	ts.do("POST", "/v1/partner/consent-requests", ts.keys["acme"], `{"person":"p-live","purpose":"rental","scope":"threshold","thresholds":[650],"redirect_uri":"https://acme.example/back"}`).json(t, &cr)
	var cr2 consentRequestAnswer
	ts.do("POST", "/v1/partner/consent-requests", ts.keys["acme"], `{"person":"p-live","purpose":"rental","scope":"threshold","thresholds":[650],"redirect_uri":"https://acme.example/back"}`).json(t, &cr2)
	live := ts.login("p-live")
	stranger := ts.login("p-stranger")
	var grant sesame.Consent
	ts.do("POST", "/v1/me/consents", live, `{"partner":"other","purpose":"social","scope":"threshold","thresholds":[650]}`).json(t, &grant)
	acmeKeyID := ts.keys["acme"][4:16]

	none, bad := "", "ssk_000000000000_"+strings.Repeat("x", 43)
	acme, other, op := ts.keys["acme"], ts.keys["other"], testOperator
	rows := []struct {
		name, method, path, body string
		want                     map[string]int
	}{
		{"decision, live consent", "GET", "/v1/partner/decisions/" + dLive, "",
			map[string]int{"none": 401, "bad": 401, "other": 404, "acme": 200, "person": 403, "operator": 403}},
		{"decision, expired consent", "GET", "/v1/partner/decisions/" + dExp, "",
			map[string]int{"none": 401, "other": 404, "acme": 403, "person": 403, "operator": 403}},
		{"decision, revoked consent", "GET", "/v1/partner/decisions/" + dRev, "",
			map[string]int{"none": 401, "other": 404, "acme": 403, "person": 403, "operator": 403}},
		{"consent request poll", "GET", "/v1/partner/consent-requests/" + cr.ID, "",
			map[string]int{"none": 401, "bad": 401, "other": 404, "acme": 200, "person": 403, "operator": 403}},
		{"my pending requests", "GET", "/v1/me/consent-requests", "",
			map[string]int{"none": 401, "acme": 403, "person": 200, "stranger": 200, "operator": 403}},
		{"a request's page", "GET", "/v1/me/consent-requests/" + cr.ID, "",
			map[string]int{"none": 401, "acme": 403, "stranger": 404, "person": 200, "operator": 403}},
		{"decline a request", "POST", "/v1/me/consent-requests/" + cr2.ID + "/decline", "",
			map[string]int{"none": 401, "acme": 403, "operator": 403, "stranger": 404, "person": 200}},
		{"approve a request", "POST", "/v1/me/consent-requests/" + cr.ID + "/approve", "",
			map[string]int{"none": 401, "acme": 403, "operator": 403, "stranger": 404, "person": 200}},
		{"revoke a consent", "DELETE", "/v1/me/consents/" + grant.ID, "",
			map[string]int{"none": 401, "acme": 403, "other": 403, "operator": 403, "stranger": 404, "person": 204}},
		{"grant a consent", "POST", "/v1/me/consents", `{"partner":"acme","purpose":"loan","scope":"threshold","thresholds":[650]}`,
			map[string]int{"none": 401, "acme": 403, "operator": 403, "person": 201}},
		{"who am I", "GET", "/v1/me", "",
			map[string]int{"none": 401, "bad": 401, "acme": 403, "operator": 403, "person": 200}},
		{"my decisions", "GET", "/v1/me/decisions", "",
			map[string]int{"none": 401, "acme": 403, "operator": 403, "person": 200}},
		{"register a partner", "POST", "/v1/operator/partners", `{"id":"new","name":"New"}`,
			map[string]int{"none": 401, "bad": 401, "acme": 403, "person": 403, "operator": 201}},
		{"rotate a key", "POST", "/v1/operator/partners/other/keys", `{"grace_seconds":60}`,
			map[string]int{"none": 401, "acme": 403, "person": 403, "operator": 201}},
		{"upload a product", "PUT", "/v1/operator/products/after_sales", `{"id":"after_sales","name":"After-sales","purpose":"after_sales","policy":"{\"decision\": \"approve\"}"}`,
			map[string]int{"none": 401, "acme": 403, "person": 403, "operator": 200}},
		{"revoke one key", "DELETE", "/v1/operator/partners/acme/keys/" + acmeKeyID, "",
			map[string]int{"none": 401, "person": 403, "other": 403, "operator": 204}},
		{"revoke all keys", "DELETE", "/v1/operator/partners/other/keys", "",
			map[string]int{"none": 401, "person": 403, "operator": 204}},
	}
	tokens := map[string]string{"none": none, "bad": bad, "acme": acme, "other": other, "person": live, "stranger": stranger, "operator": op}
	// Run the callers that must fail first, then the one that succeeds
	// (answers and revocations change state).
	order := []string{"none", "bad", "other", "stranger", "acme", "operator", "person"}
	for _, row := range rows {
		for _, who := range order {
			want, ok := row.want[who]
			if !ok || want < 300 {
				continue
			}
			before := ts.scores.total()
			a := ts.do(row.method, row.path, tokens[who], row.body)
			if a.status != want {
				t.Errorf("%s as %s: %d, want %d (%s)", row.name, who, a.status, want, a.body)
			}
			if ts.scores.total() != before {
				t.Errorf("%s as %s: a refused request read a score", row.name, who)
			}
			var e struct {
				Error struct{ Message string } `json:"error"`
			}
			if json.Unmarshal([]byte(a.body), &e) != nil || e.Error.Message == "" {
				t.Errorf("%s as %s: no reason given: %s", row.name, who, a.body)
			}
		}
		for _, who := range order {
			if want, ok := row.want[who]; ok && want < 300 {
				if a := ts.do(row.method, row.path, tokens[who], row.body); a.status != want {
					t.Errorf("%s as %s: %d, want %d (%s)", row.name, who, a.status, want, a.body)
				}
			}
		}
	}
}
