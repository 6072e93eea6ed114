package http

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

type decisionOut struct {
	ID     string `json:"id"`
	Result struct {
		Decision       string   `json:"decision"`
		Lane           string   `json:"lane"`
		WaivableChecks []string `json:"waivable_checks"`
		Badge          string   `json:"badge"`
		Reasons        []string `json:"reasons"`
	} `json:"result"`
}

// TestFastReviewThroughTheAPI: a good and a poor person, each with a review
// consent, get the fast and the standard lane.
func TestFastReviewThroughTheAPI(t *testing.T) {
	ts := newTrustServer(t, false)
	key := ts.addPartner("visa-office")
	ts.score("alice", 720)
	ts.score("bob", 480)
	for _, p := range []string{"alice", "bob"} {
		if a := ts.do("POST", "/v1/me/consents", ts.login(p), `{"partner":"visa-office","purpose":"review","scope":"score"}`); a.status != 201 {
			t.Fatalf("grant: %d %s", a.status, a.body)
		}
	}
	var good, poor decisionOut
	a := ts.do("POST", "/v1/partner/decisions", key, `{"person":"alice","product":"fast_review"}`)
	a.json(t, &good)
	if a.status != 201 || good.Result.Decision != "approve" || good.Result.Lane != "fast" ||
		!slices.Equal(good.Result.WaivableChecks, []string{"income_proof", "bank_statements", "employment_letter", "guarantor"}) {
		t.Fatalf("good person: %d %s", a.status, a.body)
	}
	a = ts.do("POST", "/v1/partner/decisions", key, `{"person":"bob","product":"fast_review"}`)
	a.json(t, &poor)
	if a.status != 201 || poor.Result.Decision != "refer" || poor.Result.Lane != "standard" || len(poor.Result.WaivableChecks) != 0 {
		t.Fatalf("poor person: %d %s", a.status, a.body)
	}
}

// TestSocialBadgeThroughTheAPI: a person grants a platform a social_badge
// consent with the claim they choose; the platform learns whether the
// claim holds and nothing else — no score, no band, no dimension, no
// reason, in any answer of any route it can call — and loses even that when
// the person revokes.
func TestSocialBadgeThroughTheAPI(t *testing.T) {
	ts := newTrustServer(t, false)
	key := ts.addPartner("dating")
	ts.score("alice", 720)
	ts.score("bob", 480)
	good, poor := ts.login("alice"), ts.login("bob")

	// The consent is a yes/no one and needs the person's choice.
	if a := ts.do("POST", "/v1/me/consents", good, `{"partner":"dating","purpose":"social_badge","scope":"full","badge":"band_at_least:good"}`); a.status != 400 || !strings.Contains(a.body, `"scope"`) {
		t.Fatalf("a full social_badge consent: %d %s", a.status, a.body)
	}
	if a := ts.do("POST", "/v1/me/consents", good, `{"partner":"dating","purpose":"social_badge","scope":"threshold"}`); a.status != 400 || !strings.Contains(a.body, `"badge"`) {
		t.Fatalf("no badge chosen: %d %s", a.status, a.body)
	}
	if a := ts.do("POST", "/v1/me/consents", good, `{"partner":"dating","purpose":"social_badge","scope":"threshold","badge":"band_at_least:superb"}`); a.status != 400 || !strings.Contains(a.body, `"badge"`) {
		t.Fatalf("a bad badge: %d %s", a.status, a.body)
	}
	var consentID string
	for _, p := range []string{good, poor} {
		a := ts.do("POST", "/v1/me/consents", p, `{"partner":"dating","purpose":"social_badge","scope":"threshold","badge":"band_at_least:very_good"}`)
		if a.status != 201 {
			t.Fatalf("grant: %d %s", a.status, a.body)
		}
		var c struct {
			ID string `json:"id"`
		}
		a.json(t, &c)
		if p == good {
			consentID = c.ID
		}
	}
	if a := ts.do("GET", "/v1/me/badges/dating", good, ""); a.status != 200 || !strings.Contains(a.body, `"band at least very good"`) {
		t.Fatalf("the person's badge: %d %s", a.status, a.body)
	}

	var seen []answer
	call := func(method, path, body string) answer {
		a := ts.do(method, path, key, body)
		seen = append(seen, a)
		return a
	}
	var yes, no decisionOut
	a := call("POST", "/v1/partner/decisions", `{"person":"alice","product":"social_badge"}`)
	a.json(t, &yes)
	if a.status != 201 || yes.Result.Decision != "approve" || yes.Result.Badge != "band at least very good" {
		t.Fatalf("good person's badge: %d %s", a.status, a.body)
	}
	a = call("POST", "/v1/partner/decisions", `{"person":"bob","product":"social_badge"}`)
	a.json(t, &no)
	if a.status != 201 || no.Result.Decision != "decline" || no.Result.Badge != "band at least very good" || len(no.Result.Reasons) != 0 {
		t.Fatalf("poor person's badge: %d %s", a.status, a.body)
	}
	if a := call("GET", "/v1/partner/decisions/"+yes.ID, ""); a.status != 200 {
		t.Fatalf("reading the decision again: %d %s", a.status, a.body)
	}
	// Everything else a partner can ask is refused under this consent.
	for _, path := range []string{"/v1/partner/people/alice/score", "/v1/partner/people/alice/threshold?min=700", "/v1/partner/people/bob/threshold?min=400"} {
		if a := call("GET", path, ""); a.status != 403 {
			t.Errorf("%s under a social_badge consent: %d %s", path, a.status, a.body)
		}
	}
	for _, product := range []string{"credit_card", "fast_review", "after_sales", "house_rental"} {
		if a := call("POST", "/v1/partner/decisions", `{"person":"alice","product":"`+product+`"}`); a.status != 403 {
			t.Errorf("%s under a social_badge consent: %d %s", product, a.status, a.body)
		}
	}
	for _, a := range seen {
		var v any
		if err := json.Unmarshal([]byte(a.body), &v); err != nil {
			t.Fatalf("answer %q: %v", a.body, err)
		}
		if leak := leakIn(v); leak != "" {
			t.Errorf("an answer to the platform carries %s: %s", leak, a.body)
		}
	}
	// The person revokes: no more answers, not even the badge.
	if a := ts.do("DELETE", "/v1/me/consents/"+consentID, good, ""); a.status != 204 {
		t.Fatalf("revoke: %d", a.status)
	}
	if a := ts.do("POST", "/v1/partner/decisions", key, `{"person":"alice","product":"social_badge"}`); a.status != 403 || !strings.Contains(a.body, "revoked") {
		t.Fatalf("after revocation: %d %s", a.status, a.body)
	}
	// Choosing another badge changes what the next answer is about.
	if a := ts.do("PUT", "/v1/me/badges/dating", poor, `{"badge":"band_at_least:poor"}`); a.status != 200 {
		t.Fatalf("choose again: %d %s", a.status, a.body)
	}
	var again decisionOut
	ts.do("POST", "/v1/partner/decisions", key, `{"person":"bob","product":"social_badge"}`).json(t, &again)
	if again.Result.Decision != "approve" || again.Result.Badge != "band at least poor" {
		t.Fatalf("after choosing again: %+v", again.Result)
	}
}

// leakIn returns what in a decoded answer reveals the score: a key naming
// it or a part of it, a number that is the score or a dimension (720, 730,
// 480, 490 in the fixture), or a string naming a band or a reason.
func leakIn(v any) string {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "score", "band", "dimensions", "reasons", "features", "input", "self_added", "self_added_points", "notice":
				return "key " + k
			}
			if l := leakIn(e); l != "" {
				return l
			}
		}
	case []any:
		for _, e := range x {
			if l := leakIn(e); l != "" {
				return l
			}
		}
	case float64:
		if x == 720 || x == 730 || x == 480 || x == 490 {
			return "the number " + strconv.Itoa(int(x))
		}
	case string:
		for _, w := range []string{"excellent", "poor", "credit_history", "High use of credit limits"} {
			if strings.Contains(x, w) {
				return "the words " + w
			}
		}
	}
	return ""
}
