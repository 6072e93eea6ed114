package http

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/policy"
)

// TestSocialBadgePartnerSeesNoScoreOnAnyRoute: a platform holding only
// social_badge consents calls every operation of the API description with
// its key — every partner route with every shipped product and every
// person it holds a consent of, and every other route besides — and no
// answer carries a score, a band, a dimension, a reason or a feature.
// The badge decision, its re-read, the product list and its own consent
// requests are all it gets. A partner route added to openapi.json without
// being swept here fails the test.
func TestSocialBadgePartnerSeesNoScoreOnAnyRoute(t *testing.T) {
	ts := newTrustServer(t, false)
	// Unwired routes answer 404 here, which openapi.json does not list for
	// them: this test is about what answers carry, so it skips the check.
	plain := httptest.NewServer(ts.srv.Handler())
	t.Cleanup(plain.Close)
	ts.http = plain
	key := ts.addPartner("dating", "https://dating.example/back")
	// A few hundred calls in a row: room for them in the partner's bucket.
	dating, err := ts.db.Partners().Partner(context.Background(), "dating")
	if err != nil {
		t.Fatal(err)
	}
	dating.RatePerSecond, dating.Burst = 10000, 10000
	if err := ts.db.Partners().UpdatePartner(context.Background(), dating); err != nil {
		t.Fatal(err)
	}
	// Alice's score counts a bill account she added herself: even that
	// mark is more than her badge says.
	ts.score("alice", 720)
	sc, err := ts.db.Scores().LatestScore(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	sc.SelfAdded, sc.SelfAddedPoints = []sesame.SelfAdded{{ID: "add_1", Kind: sesame.AdditionBillAccount, Source: "sim-utility", Label: "electricity account 4411: 24 bills"}}, 12
	if err := ts.db.Scores().SaveScores(context.Background(), []*sesame.Score{sc}); err != nil {
		t.Fatal(err)
	}
	ts.score("bob", 480)
	ts.score("carol", 0) // not enough history
	for p, badge := range map[string]string{"alice": "band_at_least:very_good", "bob": "band_at_least:very_good", "carol": "verified_clean"} {
		if a := ts.do("POST", "/v1/me/consents", ts.login(p), `{"partner":"dating","purpose":"social_badge","scope":"threshold","badge":"`+badge+`"}`); a.status != 201 {
			t.Fatalf("grant %s: %d %s", p, a.status, a.body)
		}
	}
	// A request the platform makes through the consent flow, approved.
	var req struct {
		ID string `json:"id"`
	}
	a := ts.do("POST", "/v1/partner/consent-requests", key, `{"person":"alice","purpose":"social_badge","scope":"threshold","redirect_uri":"https://dating.example/back"}`)
	if a.status != 201 {
		t.Fatalf("consent request: %d %s", a.status, a.body)
	}
	a.json(t, &req)
	if a := ts.do("POST", "/v1/me/consent-requests/"+req.ID+"/approve", ts.session["alice"], ""); a.status != 200 {
		t.Fatalf("approve: %d %s", a.status, a.body)
	}
	var dec struct {
		ID string `json:"id"`
	}
	if a := ts.do("POST", "/v1/partner/decisions", key, `{"person":"alice","product":"social_badge"}`); a.status != 201 {
		t.Fatalf("badge decision: %d %s", a.status, a.body)
	} else {
		a.json(t, &dec)
	}

	catalog, err := policy.NewCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	var products []string
	for _, p := range catalog.Products() {
		products = append(products, p.ID)
	}
	people := []string{"alice", "bob", "carol"}

	// Every operation of the API description.
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &spec); err != nil {
		t.Fatal(err)
	}
	type call struct{ method, path, body string }
	var ops []string
	for path, methods := range spec.Paths {
		for m := range methods {
			if slices.Contains([]string{"get", "post", "put", "delete", "patch"}, m) {
				ops = append(ops, strings.ToUpper(m)+" "+path)
			}
		}
	}
	sort.Strings(ops)
	// Routes that say nothing about anyone, whoever calls them.
	public := map[string]bool{"GET /openapi.json": true, "GET /healthz": true, "GET /readyz": true, "GET /.well-known/jwks.json": true,
		"GET /v1/partner/products": true, "GET /v1/access-log/heads": true}
	// Bodies that get past decoding, so that the route itself answers.
	bodies := map[string]string{
		"POST /v1/partner/consent-requests":  `{"person":"%p","purpose":"social_badge","scope":"threshold","redirect_uri":"https://dating.example/back"}`,
		"POST /v1/people/{id}/score/what-if": `{"features":{"utilisation_now":0.1}}`,
		"POST /v1/me/consents":               `{"partner":"dating","purpose":"social_badge","scope":"full","badge":"verified_clean"}`,
		"PUT /v1/me/badges/{partner}":        `{"badge":"band_at_least:poor"}`,
		"POST /v1/me/additions":              `{"source":"sim-utility","kind":"bill_account","account":"phone-1"}`,
		"POST /v1/events":                    `{"source":"dating","id":"x","person":"%p","kind":"identity.reported","occurred_at":"2026-01-01T00:00:00Z","payload":{}}`,
		"POST /v1/auth/login":                `{"token":"x"}`,
		"PUT /v1/operator/products/{id}":     `{"id":"social_badge","name":"Rank","purpose":"social_badge","policy":"{\"decision\": \"approve\"}"}`,
		"POST /v1/operator/partners":         `{"id":"dating2","name":"Dating 2"}`,
		"PUT /v1/me/email":                   `{"email":"a@example.com"}`,
		"POST /v1/me/disputes":               `{"source":"simulate","event":"e1","reason":"not mine"}`,
		"PUT /v1/sources/{source}/watermark": `{"complete_until":"2026-01-01T00:00:00Z"}`,
		"POST /v1/operator/rescore":          `{}`,
	}
	var calls []call
	swept := map[string]bool{}
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		body := bodies[op]
		if body == "" && (method == "POST" || method == "PUT") {
			body = "{}"
		}
		switch op {
		case "POST /v1/partner/decisions":
			for _, p := range people {
				for _, prod := range products {
					calls = append(calls, call{method, path, `{"person":"` + p + `","product":"` + prod + `","requested":5000}`})
				}
			}
		case "GET /v1/partner/people/{ref}/threshold":
			for _, p := range people {
				for _, min := range []string{"400", "650", "700", "950"} {
					calls = append(calls, call{method, "/v1/partner/people/" + p + "/threshold?min=" + min, ""})
				}
			}
		default:
			for _, p := range people {
				r := strings.NewReplacer("{ref}", p, "{id}", p, "{partner}", "dating", "{source}", "simulate", "{key}", "k", "{version}", "v", "{profile}", "heap")
				pth := r.Replace(path)
				switch {
				case strings.HasPrefix(path, "/v1/partner/decisions/"):
					pth = "/v1/partner/decisions/" + dec.ID
				case strings.HasPrefix(path, "/v1/partner/consent-requests/"), strings.HasPrefix(path, "/v1/me/consent-requests/"):
					pth = strings.Replace(path, "{id}", req.ID, 1)
				}
				calls = append(calls, call{method, pth, strings.ReplaceAll(body, "%p", p)})
			}
		}
		swept[op] = true
	}
	var partnerOps []string
	for _, op := range ops {
		if strings.Contains(op, " /v1/partner/") {
			partnerOps = append(partnerOps, op)
		}
	}
	if len(partnerOps) < 7 {
		t.Fatalf("only %d partner operations in openapi.json: %v", len(partnerOps), partnerOps)
	}

	allowed := map[string]int{}
	for _, c := range calls {
		a := ts.do(c.method, c.path, key, c.body)
		where := c.method + " " + c.path + " " + c.body
		for _, n := range []int{720, 730, 480, 490, 9000} {
			if showsNumber(a.body, n) {
				t.Errorf("%s: %d carries the number %d: %.300s", where, a.status, n, a.body)
			}
		}
		var v any
		if json.Unmarshal([]byte(a.body), &v) == nil && !public[c.method+" "+strings.SplitN(c.path, "?", 2)[0]] {
			if leak := leakIn(v); leak != "" {
				t.Errorf("%s: %d carries %s: %.300s", where, a.status, leak, a.body)
			}
		}
		if a.status == 429 {
			t.Fatalf("%s: rate limited; the sweep would not reach the route", where)
		}
		if a.status < 300 {
			allowed[c.method+" "+c.path]++
			if strings.Contains(c.body, `"product"`) && !strings.Contains(c.body, `"social_badge"`) {
				t.Errorf("%s: %d under a social_badge consent: %s", where, a.status, a.body)
			}
		}
	}
	// What the platform may do at all: its badge decisions and their
	// re-read, the product list, its own consent requests.
	for op := range allowed {
		method, path, _ := strings.Cut(op, " ")
		if !(method == "POST" && path == "/v1/partner/decisions") && !(method == "GET" && strings.HasPrefix(path, "/v1/partner/decisions/")) &&
			!strings.HasPrefix(path, "/v1/partner/consent-requests") && path != "/v1/partner/products" && !public[op] {
			t.Errorf("%s answered the platform with a success", op)
		}
	}
	if allowed["POST /v1/partner/decisions"] != len(people) {
		t.Errorf("%d badge decisions answered, want one per person (%d)", allowed["POST /v1/partner/decisions"], len(people))
	}
	t.Logf("%d calls over %d operations (%d partner ones); %d answered with a success", len(calls), len(swept), len(partnerOps), len(allowed))
}
