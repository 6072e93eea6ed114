package http

import (
	"context"
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
		{`not json`, "the body is not valid JSON"},
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

// TestPolicyVersionsNameTheirProduct: versions are keyed by product and
// content. Two products may share a rule's text; a change of name or
// purpose alone is a new version, and what a restart loads (the active
// products in the database) is the latest upload, purpose included.
func TestPolicyVersionsNameTheirProduct(t *testing.T) {
	ts := newTrustServer(t, false)
	put := func(id, name, purpose string) string {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"id": id, "name": name, "purpose": purpose, "policy": `{"decision": "approve"}`})
		a := ts.do("PUT", "/v1/operator/products/"+id, testOperator, string(b))
		if a.status != 200 {
			t.Fatalf("PUT %s: %d %s", id, a.status, a.body)
		}
		var v struct {
			PolicyVersion string `json:"policy_version"`
		}
		a.json(t, &v)
		return v.PolicyVersion
	}
	a := put("bikes_a", "Bikes A", "bike_sharing")
	b := put("bikes_b", "Bikes B", "bike_sharing")
	if a == b {
		t.Fatal("two products with the same rule share one version")
	}
	renamed := put("bikes_a", "Bikes A", "rental")
	if renamed == a {
		t.Fatal("a change of purpose kept the version")
	}
	if again := put("bikes_a", "Bikes A", "rental"); again != renamed {
		t.Errorf("the same upload twice: versions %s and %s", renamed, again)
	}
	// A change of name alone is a new version too, kept as the product's.
	renamed = put("bikes_a", "Bikes A+", "rental")
	if renamed == a || renamed == b {
		t.Fatal("a change of name kept the version")
	}
	ctx := context.Background()
	active, err := ts.db.Decisions().ActiveProducts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sesame.Product{}
	for _, p := range active {
		got[p.ID] = *p
	}
	if p := got["bikes_a"]; p.Purpose != sesame.PurposeRental || p.Name != "Bikes A+" || p.PolicyVersion != renamed {
		t.Errorf("after a restart bikes_a would be %+v, want purpose rental at %s", p, renamed)
	}
	if p := got["bikes_b"]; p.Purpose != sesame.PurposeBikeSharing || p.PolicyVersion != b {
		t.Errorf("bikes_b is %+v", p)
	}
	for _, v := range []string{a, b, renamed} {
		if _, err := ts.db.Decisions().PolicyVersion(ctx, v); err != nil {
			t.Errorf("version %s is not kept: %v", v, err)
		}
	}
}

// TestPutProductChecksContentType: a product upload must say it is JSON.
func TestPutProductChecksContentType(t *testing.T) {
	ts := newTrustServer(t, false)
	body := `{"id":"bikes","name":"Bikes","purpose":"bike_sharing","policy":"{\"decision\":\"approve\"}"}`
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/jsonp", "application/json; charset=latin1", "garbage/"} {
		a := ts.do("PUT", "/v1/operator/products/bikes", testOperator, body, "Content-Type", ct)
		if a.status != 415 || !strings.Contains(a.body, "unsupported_media_type") {
			t.Errorf("Content-Type %q: %d %s, want 415", ct, a.status, a.body)
		}
	}
	if a := ts.do("PUT", "/v1/operator/products/bikes", testOperator, body, "Content-Type", "application/json; charset=utf-8"); a.status != 200 {
		t.Errorf("application/json; charset=utf-8: %d %s", a.status, a.body)
	}
}

// TestDuplicateJSONKeysRefused: a key given twice is a 400 naming it, in
// every JSON body (a product upload, a consent grant, an event).
func TestDuplicateJSONKeysRefused(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.addPartner("acme")
	session := ts.login("p1")
	cases := []struct{ method, path, token, body, field string }{
		{"PUT", "/v1/operator/products/bikes", testOperator, `{"id":"bikes","name":"Bikes","purpose":"bike_sharing","purpose":"loan","policy":"{\"decision\":\"approve\"}"}`, "purpose"},
		{"POST", "/v1/me/consents", session, `{"partner":"acme","purpose":"rental","scope":"threshold","scope":"full","expires_at":"` + ts.now.Add(time.Hour).Format(time.RFC3339) + `"}`, "scope"},
		{"POST", "/v1/operator/partners", testOperator, `{"id":"x1","name":"X","name":"Y"}`, "name"},
	}
	for _, c := range cases {
		a := ts.do(c.method, c.path, c.token, c.body)
		if a.status != 400 || !strings.Contains(a.body, `"`+c.field+`"`) {
			t.Errorf("%s %s: %d %s, want 400 naming %s", c.method, c.path, a.status, a.body, c.field)
		}
	}
}
