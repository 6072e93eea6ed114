package portal_test

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axe-core (MPL-2.0, testdata/axe/README.md) checks each page in Chromium
// against WCAG 2.x A and AA rules. It is injected through the DevTools
// protocol, which the page's CSP does not govern; it is never served.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
	Passes []struct {
		ID string `json:"id"`
	} `json:"passes"`
}

const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}, resultTypes: ["violations"]})`

// TestBrowserAxe runs axe-core on every page of the portal, at desktop and
// phone size, in English and Chinese, and fails on any serious or critical
// violation. It logs the counts by impact (go test -v -run TestBrowserAxe).
func TestBrowserAxe(t *testing.T) {
	b := newBrowser(t)
	b.login()
	pages := []struct{ path, wait string }{
		{"/portal/", `svg[data-chart="gauge"]`},
		{"/portal/benefits", "#h-now"},
		{"/portal/record", "main h1"},
		{"/portal/share", "#issue-submit"},
		{"/portal/consents", "#h-active"},
		{"/portal/consents?request=req-9", "#focus-approve"},
		{"/portal/access-log", "#chain-status"},
		{"/portal/data", "#h-events"},
		{"/portal/erase", "main h1"},
		{"/portal/account", "#sessions-h"},
		{"/portal/no-such-page", "main h1"},
		{"/verify?c=not-a-credential", "main h1"},
	}
	counts := map[string]int{}
	rules := map[string]bool{} // the rules that found anything, whatever the impact
	checked := 0
	for _, lang := range []string{"en", "zh"} {
		if lang == "zh" {
			b.do("switch to Chinese", chromedp.Navigate(b.base+"/portal/"), chromedp.WaitVisible(chromedp.CSS("#lang-switch")),
				chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] main`)))
		}
		for _, vp := range [][2]int64{{1280, 800}, {360, 740}} {
			b.do("viewport", chromedp.EmulateViewport(vp[0], vp[1]))
			for _, p := range pages {
				b.do(p.path, chromedp.Navigate(b.base+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
				run(b, "inject axe", chromedp.Evaluate[bool](axeSource+";true"))
				res := run(b, "axe "+p.path, chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise))
				checked++
				for _, v := range res.Violations {
					counts[v.Impact] += len(v.Nodes)
					rules[v.Impact+" "+v.ID] = true
					if v.Impact == "serious" || v.Impact == "critical" {
						var where []string
						for _, n := range v.Nodes {
							where = append(where, fmt.Sprint(n.Target...))
						}
						t.Errorf("%s (%s, %dx%d): %s %s: %s at %s", p.path, lang, vp[0], vp[1], v.Impact, v.ID, v.Help, strings.Join(where, "; "))
					}
				}
			}
		}
	}
	// The login page, logged out.
	b.do("log out", chromedp.Navigate(b.base+"/portal/"), chromedp.WaitVisible(chromedp.CSS("#logout")), chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#who")))
	run(b, "inject axe", chromedp.Evaluate[bool](axeSource+";true"))
	res := run(b, "axe login", chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise))
	checked++
	for _, v := range res.Violations {
		counts[v.Impact] += len(v.Nodes)
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("/portal/login: %s %s: %s", v.Impact, v.ID, v.Help)
		}
	}
	var parts []string
	for _, impact := range []string{"critical", "serious", "moderate", "minor"} {
		parts = append(parts, fmt.Sprintf("%s %d", impact, counts[impact]))
	}
	var found []string
	for r := range rules {
		found = append(found, r)
	}
	slices.Sort(found)
	t.Logf("axe-core on %d page views: violations (elements) %s; rules: %s", checked, strings.Join(parts, ", "), strings.Join(found, ", "))
}
