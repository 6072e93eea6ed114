package portal_test

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/portal/portaltest"
)

// An amount in a reason is written in the person's currency, grouped, in
// both languages; the reason's code and value stay as the score has them.
func TestReasonAmountsCarryTheCurrency(t *testing.T) {
	h := newHarness(t)
	s := portaltest.Alice()
	s.Reasons = append([]sesame.Reason{{Code: "R12", Feature: "statement_balance_avg_6m", Dimension: sesame.Fulfilment,
		Text: "Your statements averaged 12945 a month over 6 months", Value: "12945", PointsLost: 40}}, s.Reasons...)
	h.fx.Config.Scores.(*portaltest.Scores).ByPerson["alice"] = s
	token := h.login("alice")
	_, page := h.do("GET", "/portal/", nil)
	page = html.UnescapeString(page)
	if !strings.Contains(page, "Your statements averaged CNY 12,945 a month over 6 months") {
		t.Errorf("the English reason lacks the currency: %s", excerpt(page, "statements averaged"))
	}
	if !strings.Contains(page, ">R12<") {
		t.Error("the reason's code is no longer shown")
	}
	h.do("POST", "/portal/lang", url.Values{"csrf": {token}, "lang": {"zh"}, "next": {"/portal/"}})
	_, page = h.do("GET", "/portal/", nil)
	if !strings.Contains(html.UnescapeString(page), "近 6 个月账单平均每月 CNY 12,945") {
		t.Errorf("the Chinese reason lacks the currency: %s", excerpt(html.UnescapeString(page), "账单平均"))
	}
	if s.Reasons[0].Text != "Your statements averaged 12945 a month over 6 months" || s.Reasons[0].Value != "12945" {
		t.Errorf("the stored score was changed: %+v", s.Reasons[0])
	}
}

// A person with no amount on record keeps the bare number: no currency is
// made up.
func TestReasonAmountsWithoutMoneyOnRecord(t *testing.T) {
	h := newHarness(t)
	s := portaltest.Alice()
	s.Person = "bob"
	s.Reasons = []sesame.Reason{{Code: "R13", Feature: "repaid_last_month", Dimension: sesame.Fulfilment,
		Text: "You repaid 300 last month", Value: "300", PointsLost: 12}}
	h.fx.Config.Scores.(*portaltest.Scores).ByPerson["bob"] = s
	h.login("bob")
	_, page := h.do("GET", "/portal/", nil)
	if !strings.Contains(page, "You repaid 300 last month") {
		t.Errorf("bob's reason: %s", excerpt(page, "repaid"))
	}
}

func excerpt(page, near string) string {
	i := strings.Index(page, near)
	if i < 0 {
		return "(not on the page)"
	}
	return page[max(0, i-80):min(len(page), i+120)]
}
