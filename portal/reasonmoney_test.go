package portal_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/portal"
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

// In Chromium, in both languages: the home page's reasons name the
// currency of an amount, grouped, and no amount is left bare.
func TestBrowserReasonAmountsAreMoney(t *testing.T) {
	b := newBrowser(t, func(c *portal.Config) {
		s := portaltest.Alice()
		s.Reasons = append([]sesame.Reason{{Code: "R10", Feature: "credit_limit_total", Dimension: sesame.Fulfilment,
			Text: "Your credit limits total 20000", Value: "20000", PointsLost: 20}}, s.Reasons...)
		c.Scores.(*portaltest.Scores).ByPerson["alice"] = s
	})
	b.login()
	for _, want := range []string{"Your credit limits total CNY 20,000", "您的信用额度合计 CNY 20,000"} {
		if strings.HasPrefix(want, "您") {
			b.do("switch to Chinese", chromedp.Navigate(b.base+"/portal/"), chromedp.WaitVisible(chromedp.CSS("#lang-switch")),
				chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] main`)))
		}
		b.do("home", chromedp.Navigate(b.base+"/portal/"), chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)))
		text := run(b, "reasons", chromedp.Evaluate[string](`document.querySelector("main").innerText`))
		if !strings.Contains(text, want) {
			t.Errorf("the reasons lack %q:\n%s", want, text)
		}
		if m := regexp.MustCompile(`(total|合计) \d{4,}`).FindString(text); m != "" {
			t.Errorf("an amount without currency or grouping: %q", m)
		}
	}
}
