package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
)

// TestFastReviewAtBandEdges pins the lane and the checks a partner may
// waive on both sides of every band edge.
func TestFastReviewAtBandEdges(t *testing.T) {
	products, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	p := products["fast_review"]
	if p == nil || p.Product.Purpose != sesame.PurposeReview {
		t.Fatalf("fast_review not shipped with purpose review: %+v", p)
	}
	all := []string{"income_proof", "bank_statements", "employment_letter", "guarantor"}
	want := map[int]struct {
		lane   string
		waived []string
	}{
		549: {"standard", nil}, 550: {"standard", nil}, 599: {"standard", nil},
		600: {"standard", []string{"bank_statements"}}, 649: {"standard", []string{"bank_statements"}},
		650: {"fast", []string{"income_proof", "bank_statements"}}, 699: {"fast", []string{"income_proof", "bank_statements"}},
		700: {"fast", all}, 950: {"fast", all},
	}
	for s, w := range want {
		r, err := p.Evaluate(scored(s, 0, nil))
		if err != nil {
			t.Fatalf("%d: %v", s, err)
		}
		if r.Lane != w.lane || !slices.Equal(r.WaivableChecks, w.waived) {
			t.Errorf("at %d: lane %q waivable %q, want %q %q", s, r.Lane, r.WaivableChecks, w.lane, w.waived)
		}
		if r.Decision == sesame.Decline {
			t.Errorf("at %d: fast review declined; it only routes", s)
		}
		if (r.Decision == sesame.Approve) != (r.Lane == "fast") {
			t.Errorf("at %d: decision %s does not match lane %s", s, r.Decision, r.Lane)
		}
	}
	// Hard stops and a thin file: the standard lane with every check.
	for _, in := range []sesame.DecisionInput{
		scored(900, 0, map[string]float64{"defaults": 1}),
		scored(900, 0, map[string]float64{"public_records_open": 1}),
		{Status: sesame.StatusInsufficientHistory},
	} {
		r, err := p.Evaluate(in)
		if err != nil || r.Lane != "standard" || len(r.WaivableChecks) != 0 || len(r.Reasons) == 0 {
			t.Errorf("%+v: %+v %v, want the standard lane, nothing waived, a reason", in.Features, r, err)
		}
	}
}

func badgeInput(score int, claim string, features map[string]float64) sesame.DecisionInput {
	in := scored(score, 0, features)
	c, err := sesame.ParseBadgeClaim(claim)
	if err != nil {
		panic(err)
	}
	in.Badge = &c
	return in
}

// TestSocialBadgeAtBandEdges: a "band at least X" claim flips exactly at
// X's lower edge, and the verified claim ignores the score.
func TestSocialBadgeAtBandEdges(t *testing.T) {
	products, _ := Shipped()
	p := products["social_badge"]
	if p == nil || p.Product.Purpose != sesame.PurposeSocialBadge {
		t.Fatalf("social_badge not shipped with its own purpose: %+v", p)
	}
	for _, b := range sesame.Bands[1:] {
		edge := b.Min
		below, _ := p.Evaluate(badgeInput(edge-1, "band_at_least:"+string(b.Band), nil))
		at, _ := p.Evaluate(badgeInput(edge, "band_at_least:"+string(b.Band), nil))
		if below.Decision != sesame.Decline || at.Decision != sesame.Approve {
			t.Errorf("band at least %s: %d → %s, %d → %s", b.Band, edge-1, below.Decision, edge, at.Decision)
		}
	}
	clean := map[string]float64{"identity_verified": 1}
	for _, s := range []int{350, 549, 550, 700, 950} {
		r, _ := p.Evaluate(badgeInput(s, "verified_clean", clean))
		if r.Decision != sesame.Approve {
			t.Errorf("verified and clean at %d: %s", s, r.Decision)
		}
		r, _ = p.Evaluate(badgeInput(s, "verified_clean", map[string]float64{"identity_verified": 1, "orders_unpaid": 1}))
		if r.Decision != sesame.Decline {
			t.Errorf("an unpaid order at %d: %s", s, r.Decision)
		}
	}
}

// TestSocialBadgeRevealsNoMoreThanChosen: for every claim, every person
// for whom it holds gets the same answer byte for byte, and every person
// for whom it does not gets the other one; so the answer carries one bit,
// the one the person chose to show, and no trace of score, band,
// dimensions or reasons.
func TestSocialBadgeRevealsNoMoreThanChosen(t *testing.T) {
	products, _ := Shipped()
	p := products["social_badge"]
	claims := []string{"verified_clean"}
	for _, b := range sesame.Bands {
		claims = append(claims, "band_at_least:"+string(b.Band))
	}
	featureSets := []map[string]float64{nil, {"identity_verified": 1}, {"identity_verified": 1, "orders_unpaid": 3},
		{"identity_verified": 1, "defaults": 2, "income_monthly": 90000}}
	for _, claim := range claims {
		answers := map[bool]map[string]bool{true: {}, false: {}}
		for s := 350; s <= 950; s += 7 {
			for _, f := range featureSets {
				in := badgeInput(s, claim, f)
				in.Dimensions = map[string]int{"connections": s, "credit_history": 950 - s + 350}
				r, err := p.Evaluate(in)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := jsonOf(r)
				answers[in.Badge.Holds(in)][b] = true
				for _, leak := range []string{"score", "band\"", "connections", "credit_history", "reasons", "utilisation"} {
					if strings.Contains(b, leak) {
						t.Fatalf("claim %s at %d: the answer %s carries %q", claim, s, b, leak)
					}
				}
			}
		}
		for holds, set := range answers {
			if len(set) > 1 {
				t.Errorf("claim %s (holds %v): %d different answers %v; want one", claim, holds, len(set), set)
			}
		}
	}
}

// TestSocialPoliciesMayNotReadConnectionsOrScores: the compiler refuses a
// social product naming connections (or the score, or any dimension) and
// one whose answer is not exactly the chosen claim.
func TestSocialPoliciesMayNotReadConnectionsOrScores(t *testing.T) {
	base := sesame.Product{ID: "rank", Name: "Rank", Purpose: sesame.PurposeSocialBadge}
	cases := []struct{ name, src, want string }{
		{"connections", "badge_kind == \"verified_clean\" ?\n {\"decision\": connections > 600 ? \"approve\" : \"decline\"} : {\"decision\": \"decline\"}", "rank.cel:2:15: a social product may not read 'connections'"},
		{"score", `score >= 700 ? {"decision": "approve"} : {"decision": "decline"}`, "may not read 'score'"},
		{"a dimension", `identity > 600 ? {"decision": "approve"} : {"decision": "decline"}`, "may not read 'identity'"},
		{"ignores the claim", `band_rank >= 3 ? {"decision": "approve"} : {"decision": "decline"}`, "approve exactly when the chosen claim holds"},
		{"stricter than the claim", `badge_kind == "band_at_least" && band_rank >= badge_min_rank && income_monthly > 5000.0 ? {"decision": "approve"} : {"decision": "decline"}`, "approve exactly when the chosen claim holds"},
		{"more than a decision", `badge_kind == "band_at_least" && scored && band_rank >= badge_min_rank ? {"decision": "approve", "price_tier": band} : badge_kind == "verified_clean" && identity_verified >= 1.0 && orders_unpaid == 0.0 ? {"decision": "approve"} : {"decision": "decline"}`, "may return only"},
	}
	for _, c := range cases {
		p := base
		p.Policy = c.src
		_, err := Compile(p)
		if err == nil || sesame.ErrorCode(err) != sesame.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// The same connections rule is fine for a product that is not social.
	ok := sesame.Product{ID: "x", Name: "X", Purpose: sesame.PurposeLoan, Policy: `connections > 600 ? {"decision": "approve"} : {"decision": "refer"}`}
	if _, err := Compile(ok); err != nil {
		t.Fatalf("non-social product reading connections: %v", err)
	}
}

func jsonOf(r sesame.DecisionResult) (string, error) {
	b, err := json.Marshal(r)
	return string(b), err
}
