package http

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

func TestUploadedPoliciesAreValidatedAndGoLive(t *testing.T) {
	ts := newTrustServer(t, false)
	key := ts.addPartner("acme")
	ts.score("p1", 612)
	ts.consent("p1", "acme", sesame.PurposeBikeSharing, sesame.ScopeScore, ts.now.Add(-time.Hour), ts.now.Add(time.Hour), time.Time{})
	spec := func(src string) string {
		b, _ := json.Marshal(map[string]any{"id": "bike_sharing", "name": "Bikes", "purpose": "bike_sharing", "policy": src})
		return string(b)
	}
	cases := []struct{ body, want string }{
		{spec(`{"decision": "approve"`), "bike_sharing.cel:1:"},
		{spec("score >= 650\n  ? {\"decision\": \"approve\", \"deposit_waived\": salary}\n  : {\"decision\": \"decline\"}"), "bike_sharing.cel:2:47: undeclared reference to 'salary'"},
		{spec(`score > "650" ? {"decision": "approve"} : {"decision": "decline"}`), "no matching overload"},
		{spec(`{"decision": "approve", "discount": 5}`), `unknown field \"discount\"`},
		{`{"id":"bike_sharing","name":"Bikes","purpose":"bike_sharing","policy":"{\"decision\":\"approve\"}","polcy":"x"}`, `unknown field \"polcy\"`},
		{`{"id":"other","name":"Bikes","purpose":"bike_sharing","policy":"{\"decision\":\"approve\"}"}`, "differs from the path"},
		{`not json`, "product file"},
	}
	for _, c := range cases {
		a := ts.do("PUT", "/v1/operator/products/bike_sharing", testOperator, c.body)
		if a.status != 400 || !strings.Contains(a.body, c.want) {
			t.Errorf("%.80s: %d %s, want 400 with %q", c.body, a.status, a.body, c.want)
		}
	}
	if a := ts.do("PUT", "/v1/operator/products/bike_sharing", key, spec(`{"decision": "approve"}`)); a.status != 403 {
		t.Errorf("a partner uploading: %d", a.status)
	}
	// The shipped rule approves 612 (from 600); the uploaded one asks 650 and is live at once.
	a := ts.do("PUT", "/v1/operator/products/bike_sharing", testOperator, spec(`scored && score >= 650 ? {"decision": "approve", "deposit_waived": 299.0} : {"decision": "decline"}`))
	if a.status != 200 {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	var d decisionAnswer
	ts.do("POST", "/v1/partner/decisions", key, `{"person":"p1","product":"bike_sharing"}`).json(t, &d)
	if d.Result.Decision != "decline" {
		t.Fatalf("the uploaded policy is not live: %+v", d)
	}
}
