package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
)

func scored(score int, requested float64, features map[string]float64) sesame.DecisionInput {
	return sesame.DecisionInput{Status: sesame.StatusScored, Score: score, Band: sesame.BandOf(score), Requested: requested, Features: features,
		Reasons: []sesame.Reason{
			{Feature: "utilisation_now", Text: "High use of credit limits", PointsLost: 40},
			{Feature: "worst_dpd_3m", Text: "Recent payments past due", PointsLost: 30},
			{Feature: "income_verified", Text: "Income not verified", PointsLost: 20},
			{Feature: "phone_years", Text: "Recent change of phone number", PointsLost: 10},
			{Feature: "rentals", Text: "Few deposit-free rentals completed", PointsLost: 5},
		}}
}

// TestShippedProductsAtBandEdges pins every shipped product's answer on
// both sides of every band edge.
func TestShippedProductsAtBandEdges(t *testing.T) {
	products, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	verified := map[string]float64{"income_verified": 1, "income_monthly": 100000}
	type want struct {
		decision string
		check    func(r sesame.DecisionResult) bool
	}
	edges := []int{549, 550, 599, 600, 649, 650, 699, 700}
	cases := map[string]map[int]string{
		"credit_card":    {549: "decline", 550: "decline", 599: "decline", 600: "approve", 649: "approve", 650: "approve", 699: "approve", 700: "approve"},
		"personal_loan":  {549: "decline", 550: "refer", 599: "refer", 600: "approve", 649: "approve", 650: "approve", 699: "approve", 700: "approve"},
		"house_rental":   {549: "decline", 550: "decline", 599: "decline", 600: "refer", 649: "refer", 650: "approve", 699: "approve", 700: "approve"},
		"car_rental":     {549: "decline", 550: "decline", 599: "decline", 600: "refer", 649: "refer", 650: "approve", 699: "approve", 700: "approve"},
		"bike_sharing":   {549: "decline", 550: "decline", 599: "decline", 600: "approve", 649: "approve", 650: "approve", 699: "approve", 700: "approve"},
		"short_stay":     {549: "decline", 550: "decline", 599: "decline", 600: "refer", 649: "refer", 650: "approve", 699: "approve", 700: "approve"},
		"try_before_buy": {549: "decline", 550: "decline", 599: "decline", 600: "approve", 649: "approve", 650: "approve", 699: "approve", 700: "approve"},
		"after_sales":    {549: "approve", 550: "approve", 599: "approve", 600: "approve", 649: "approve", 650: "approve", 699: "approve", 700: "approve"},
		"fast_review":    {549: "refer", 550: "refer", 599: "refer", 600: "refer", 649: "refer", 650: "approve", 699: "approve", 700: "approve"},
	}
	// social_badge answers the person's claim, not the score: its edges are
	// in TestSocialBadgeAtBandEdges.
	if len(cases)+1 != len(products) {
		t.Fatalf("%d shipped products, %d tested", len(products), len(cases)+1)
	}
	for id, byScore := range cases {
		p := products[id]
		if p == nil {
			t.Fatalf("product %s not shipped", id)
		}
		for _, s := range edges {
			res, err := p.Evaluate(scored(s, 500, verified))
			if err != nil {
				t.Fatalf("%s at %d: %v", id, s, err)
			}
			if res.Decision != byScore[s] {
				t.Errorf("%s at %d: decision %s, want %s (%+v)", id, s, res.Decision, byScore[s], res)
			}
			if res.Decision == sesame.Decline && (len(res.Reasons) == 0 || len(res.Reasons) > sesame.MaxDeclineReasons) {
				t.Errorf("%s at %d: a decline needs 1–4 reasons, got %q", id, s, res.Reasons)
			}
		}
	}
	// Amounts by band.
	amount := func(id string, s int, req float64, f func(sesame.DecisionResult) float64) float64 {
		r, err := products[id].Evaluate(scored(s, req, verified))
		if err != nil {
			t.Fatal(err)
		}
		return f(r)
	}
	line := func(r sesame.DecisionResult) float64 { return r.CreditLine }
	if a, b, c := amount("credit_card", 649, 0, line), amount("credit_card", 650, 0, line), amount("credit_card", 700, 0, line); a != 5000 || b != 20000 || c != 50000 {
		t.Errorf("credit lines at 649/650/700 = %v/%v/%v, want 5000/20000/50000", a, b, c)
	}
	rate := func(r sesame.DecisionResult) float64 { return r.Rate }
	if a, b, c := amount("personal_loan", 649, 1000, rate), amount("personal_loan", 650, 1000, rate), amount("personal_loan", 700, 1000, rate); a != 0.129 || b != 0.099 || c != 0.069 {
		t.Errorf("loan rates at 649/650/700 = %v/%v/%v", a, b, c)
	}
	if r, _ := products["personal_loan"].Evaluate(scored(650, 90000, verified)); r.Decision != sesame.Refer || r.Amount != 80000 {
		t.Errorf("loan above the band's maximum: %+v, want refer with 80000", r)
	}
	dep := func(r sesame.DecisionResult) float64 { return r.DepositWaived }
	if a, b := amount("house_rental", 699, 0, dep), amount("house_rental", 700, 0, dep); a != 20000 || b != 50000 {
		t.Errorf("house deposits at 699/700 = %v/%v", a, b)
	}
	ov := func(r sesame.DecisionResult) float64 { return r.OrderValue }
	if a, b, c := amount("try_before_buy", 600, 0, ov), amount("try_before_buy", 650, 0, ov), amount("try_before_buy", 700, 0, ov); a != 1000 || b != 3000 || c != 8000 {
		t.Errorf("order values %v/%v/%v", a, b, c)
	}
	tier := func(s int) string {
		r, _ := products["after_sales"].Evaluate(scored(s, 0, nil))
		return r.PriceTier
	}
	if tier(649) != "standard" || tier(650) != "fast" || tier(699) != "fast" || tier(700) != "priority" {
		t.Errorf("after-sales tiers: %s %s %s %s", tier(649), tier(650), tier(699), tier(700))
	}
	// Hard stops and unverified income.
	if r, _ := products["credit_card"].Evaluate(scored(900, 0, map[string]float64{"defaults": 1})); r.Decision != sesame.Decline {
		t.Errorf("a default must decline a card: %+v", r)
	}
	if r, _ := products["credit_card"].Evaluate(scored(620, 0, nil)); r.Decision != sesame.Refer {
		t.Errorf("unverified income at 620 must refer: %+v", r)
	}
	if r, _ := products["credit_card"].Evaluate(scored(720, 0, map[string]float64{"income_monthly": 3000})); r.CreditLine != 9000 {
		t.Errorf("credit line capped at 3× income: %+v", r)
	}
	// Not enough history never approves a credit product.
	thin := sesame.DecisionInput{Status: sesame.StatusInsufficientHistory}
	for _, id := range []string{"credit_card", "personal_loan", "house_rental", "car_rental", "bike_sharing", "short_stay", "try_before_buy"} {
		if r, err := products[id].Evaluate(thin); err != nil || r.Decision == sesame.Approve {
			t.Errorf("%s approves a person without a score: %+v %v", id, r, err)
		}
	}
}

func TestDeclineGivesAtMostFourExactReasons(t *testing.T) {
	products, _ := Shipped()
	r, err := products["credit_card"].Evaluate(scored(500, 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"High use of credit limits", "Recent payments past due", "Income not verified", "Recent change of phone number"}
	if strings.Join(r.Reasons, "|") != strings.Join(want, "|") {
		t.Errorf("reasons %q, want %q", r.Reasons, want)
	}
	if r.Rule != "score 500, the product needs 600" || r.NeedsScore != 600 {
		t.Errorf("rule %q (needs %d), want the product's rule said apart", r.Rule, r.NeedsScore)
	}
}

// No shipped product gives a cutoff as a reason (Reg B calls "failed to
// achieve a qualifying score" insufficient): whenever a score threshold
// declines, the rule is said apart and the reasons are the score's.
// (Referrals are no adverse action; their notes may mention the score.)
func TestNoCutoffIsAReason(t *testing.T) {
	products, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	cutoff := regexp.MustCompile(`(?i)score|qualif|cutoff|needs? \d`)
	declines := 0
	for id, p := range products {
		if Social(p.Product.Purpose) {
			continue // a social answer is the chosen claim alone, by design
		}
		for s := sesame.MinScore; s <= sesame.MaxScore; s += 10 {
			r, err := p.Evaluate(scored(s, 0, nil))
			if err != nil {
				t.Fatal(err)
			}
			if r.Decision == sesame.Decline {
				declines++
				for _, reason := range r.Reasons {
					if cutoff.MatchString(reason) {
						t.Errorf("%s at %d: reason %q is a cutoff", id, s, reason)
					}
				}
				if r.Rule == "" && len(r.Reasons) == 0 {
					t.Errorf("%s at %d: declined with neither rule nor reasons", id, s)
				}
			}
		}
	}
	if declines == 0 {
		t.Fatal("no product declined anyone: the test shows nothing")
	}
}

func TestBadPoliciesAreRefusedWithClearErrors(t *testing.T) {
	base := sesame.Product{ID: "p", Name: "P", Purpose: sesame.PurposeLoan}
	cases := []struct{ name, src, want string }{
		{"syntax", `{"decision": "approve"`, "p.cel:1:"},
		{"unknown variable", "{\"decision\": \"approve\",\n \"credit_line\": salary * 2.0}", "p.cel:2:17: undeclared reference to 'salary'"},
		{"type error", `score > 1.5 ? {"decision": "approve"} : {"decision": "decline"}`, "no matching overload"},
		{"not a map", `score > 600`, "must return a map"},
		{"unknown output field", `{"decision": "approve", "limit": 5}`, `unknown field "limit"`},
		{"bad decision", `{"decision": "maybe"}`, `"decision" must be`},
		{"missing decision", `{"credit_line": 5}`, `"decision" is missing`},
		{"negative amount", `{"decision": "approve", "credit_line": -5}`, "out of range"},
		{"empty", ` `, "required"},
		{"runaway cost", `[1,2,3].map(x, [1,2,3,4,5,6,7,8,9,10].map(y, [1,2,3,4,5,6,7,8,9,10].map(z, [1,2,3,4,5,6,7,8,9,10].map(w, [1,2,3,4,5,6,7,8,9,10].map(v, x+y+z+w+v))))).size() > 0 ? {"decision": "approve"} : {"decision": "decline"}`, "cost"},
		{"too long", strings.Repeat(" ", MaxSourceBytes+1) + `{"decision": "approve"}`, "longer than"},
	}
	for _, c := range cases {
		p := base
		p.Policy = c.src
		_, err := Compile(p)
		if err == nil {
			t.Errorf("%s: compiled", c.name)
			continue
		}
		if sesame.ErrorCode(err) != sesame.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q (code %s), want it to contain %q", c.name, err, sesame.ErrorCode(err), c.want)
		}
	}
}

func TestSpecRefusesUnknownFields(t *testing.T) {
	_, err := ParseSpec([]byte(`{"id":"x","name":"X","purpose":"loan","policy":"{\"decision\":\"approve\"}","polcy":"typo"}`), nil)
	if err == nil || !strings.Contains(err.Error(), `unknown field "polcy"`) {
		t.Fatalf("err = %v", err)
	}
	p, err := ParseSpec([]byte(`{"id":"x","name":"X","purpose":"loan","policy":"{\"decision\":\"approve\"}"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(p); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSpec([]byte(`{"id":"x","name":"X","purpose":"loan","policy_file":"../etc/passwd"}`), func(string) ([]byte, error) { return nil, nil }); err == nil {
		t.Fatal("a policy_file outside the spec's folder was accepted")
	}
}

func TestSameInputSameResult(t *testing.T) {
	products, _ := Shipped()
	in := scored(655, 12345, map[string]float64{"income_monthly": 8000, "income_verified": 1})
	a, _ := products["personal_loan"].Evaluate(in)
	for range 100 {
		b, _ := products["personal_loan"].Evaluate(in)
		if a.Decision != b.Decision || a.Amount != b.Amount || a.Rate != b.Rate || a.PriceTier != b.PriceTier {
			t.Fatalf("%+v != %+v", a, b)
		}
	}
}

// The audit's cutoffs are the shipped products' own thresholds.
func TestShippedCutoffs(t *testing.T) {
	products, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(Cutoffs(products))
	want := "[{bike_sharing 600} {car_rental 650} {credit_card 600} {fast_review 650} {house_rental 650} {personal_loan 600} {short_stay 650} {try_before_buy 600}]"
	if got != want {
		t.Fatalf("cutoffs %s, want %s", got, want)
	}
}

// TestScoreThresholds: the cut-offs a product's rule compares the score
// with, in either operand order, as "at least N" thresholds.
func TestScoreThresholds(t *testing.T) {
	shipped, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if got := shipped["bike_sharing"].ScoreThresholds(); !slices.Equal(got, []int{600}) {
		t.Errorf("bike_sharing: %v, want [600]", got)
	}
	if got := shipped["personal_loan"].ScoreThresholds(); !slices.Equal(got, []int{550, 600, 650, 700}) {
		t.Errorf("personal_loan: %v, want [550 600 650 700]", got)
	}
	pol, err := Compile(sesame.Product{ID: "x", Name: "X", Purpose: sesame.PurposeLoan,
		Policy: `score > 619 && 700 <= score && credit_history >= 800 && score < 2000 ? {"decision": "approve"} : {"decision": "decline"}`})
	if err != nil {
		t.Fatal(err)
	}
	if got := pol.ScoreThresholds(); !slices.Equal(got, []int{620, 700}) {
		t.Errorf("mixed comparisons: %v, want [620 700] (sub-scores and off-scale values are not the score's thresholds)", got)
	}
}

// TestDeclineGivesInquiriesFifth: a decline lists the score's first four
// reasons and, when the score gives them after those, recent applications
// for credit as a fifth; any other fifth reason is left out.
func TestDeclineGivesInquiriesFifth(t *testing.T) {
	products, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	p := products["credit_card"]
	if p == nil {
		t.Fatal("credit_card not shipped")
	}
	in := scored(520, 500, map[string]float64{"income_verified": 1, "income_monthly": 100000})
	res, err := p.Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision != sesame.Decline || len(res.Reasons) != sesame.MaxDeclineReasons || slices.Contains(res.Reasons, "Few deposit-free rentals completed") {
		t.Fatalf("without inquiries: %s %q, want a decline with the first 4 reasons", res.Decision, res.Reasons)
	}
	in.Reasons[4] = sesame.Reason{Code: sesame.ReasonInquiries, Feature: "credit_applications_6m", Text: "Applications for credit in the last 6 months: 4", PointsLost: 5}
	res, err = p.Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reasons) != sesame.MaxDeclineReasons+1 || res.Reasons[4] != in.Reasons[4].Text {
		t.Fatalf("with inquiries fifth: %q, want the first 4 and the applications", res.Reasons)
	}
}
