package portal_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/portal/portaltest"
)

// The browser tests drive the portal in real headless Chromium (Debian's
// package). They skip when it is absent; .ci/run installs it. With
// SESAME_SCREENSHOTS=1 they save screenshots of the main pages, as the
// test fixture shows them, to $TMPDIR/sesame-fixture-screenshots/ for a
// look; docs/screenshots/ holds the real demo's (scripts/screenshots).

func chromiumPath() string {
	if p := os.Getenv("SESAME_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string // "" when screenshots are off
}

func newBrowser(t *testing.T, tweak ...func(*portal.Config)) *browser {
	t.Helper()
	exe := chromiumPath()
	if _, err := os.Stat(exe); err != nil {
		t.Skipf("browser tests need Chromium at %s (apt-get install -y chromium, or set SESAME_CHROMIUM): %v", exe, err)
	}
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	fx := portaltest.NewFixture()
	fx.Config.Now = func() time.Time { return time.Now() }
	for _, f := range tweak {
		f(&fx.Config)
	}
	p, err := portal.New(fx.Config)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// Start the browser on the untimed context (a timeout there would kill it).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Skipf("Chromium at %s does not start: %v", exe, err)
	}
	b := &browser{t: t, ctx: ctx, base: srv.URL}
	if os.Getenv("SESAME_SCREENSHOTS") == "1" {
		b.shots = filepath.Join(os.TempDir(), "sesame-fixture-screenshots")
		if err := os.MkdirAll(b.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// do runs steps with a per-step deadline so a broken page fails fast.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	png := run(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) login() { b.loginAs("alice") }

func (b *browser) loginAs(who string) {
	b.do("log in",
		chromedp.Navigate(b.base+"/portal/"),
		chromedp.WaitVisible(chromedp.CSS("#who")),
		chromedp.SendKeys(chromedp.CSS("#who"), who),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#login-link")),
		chromedp.Click(chromedp.CSS("#login-link")),
		chromedp.WaitVisible(chromedp.CSS("#login-confirm")),
		chromedp.Click(chromedp.CSS("#login-confirm")),
		chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)),
	)
}

func TestBrowserPortal(t *testing.T) {
	start := time.Now()
	b := newBrowser(t)
	b.login()

	// The score and the three charts are drawn, with real size, and the
	// what-if script (allowed by the CSP) answers in place.
	sizes := run(b, "chart sizes", chromedp.Evaluate[[]float64](
		`[...document.querySelectorAll("svg.chart")].map(e => e.getBoundingClientRect().width * e.getBoundingClientRect().height)`))
	if len(sizes) != 3 {
		t.Fatalf("%d charts on the home page, want gauge, radar and history", len(sizes))
	}
	for i, s := range sizes {
		if s < 10000 {
			t.Errorf("chart %d renders at %.0f px²", i, s)
		}
	}
	if n := run(b, "history points", chromedp.Evaluate[int](`document.querySelectorAll('svg[data-chart="history"] circle').length`)); n != 12 {
		t.Errorf("history chart has %d points, want 12", n)
	}
	if s := run(b, "score", chromedp.TextContent(chromedp.CSS(".gauge-score"))); s != "672" {
		t.Errorf("gauge shows %q", s)
	}
	b.screenshot("home")
	b.do("what-if",
		chromedp.SetValue(chromedp.CSS("#wi-value"), "0.1"),
		chromedp.Click(chromedp.CSS("#whatif-submit")),
		chromedp.WaitVisible(chromedp.CSS("#whatif-result .answer")),
	)
	if loc := run(b, "location", chromedp.Location()); !strings.HasSuffix(loc, "/portal/") {
		t.Errorf("what-if navigated to %s; the script should answer in place", loc)
	}
	if txt := run(b, "what-if answer", chromedp.Text(chromedp.CSS("#whatif-result .answer"))); !strings.Contains(txt, "Your score would be") {
		t.Errorf("what-if answer %q", txt)
	}

	// Revoke a consent.
	b.do("consents", chromedp.Navigate(b.base+"/portal/consents"), chromedp.WaitVisible(chromedp.CSS("#consent-cons-1")))
	b.screenshot("consents")
	b.do("revoke",
		chromedp.Click(chromedp.CSS("#consent-cons-1 button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.WaitNotPresent(chromedp.CSS("#consent-cons-1")),
	)

	// A partner's approval link: the request on its own, approve, a link back.
	b.do("approval link", chromedp.Navigate(b.base+"/portal/consents?request=req-9"), chromedp.WaitVisible(chromedp.CSS("#focus-approve")))
	b.screenshot("approval")
	b.do("approve", chromedp.Click(chromedp.CSS("#focus-approve")), chromedp.WaitVisible(chromedp.CSS("#return-to-partner")))
	if href := run(b, "link back", chromedp.AttributeValue(chromedp.CSS("#return-to-partner"), "href")); !strings.HasPrefix(href.Value, "https://bikego.example/") {
		t.Errorf("link back to the partner = %q", href.Value)
	}

	// Issue a credential and verify it through its link.
	b.do("share", chromedp.Navigate(b.base+"/portal/share"), chromedp.WaitVisible(chromedp.CSS("#issue-submit")))
	b.do("issue",
		chromedp.Click(chromedp.CSS("#issue-submit")),
		chromedp.WaitVisible(chromedp.CSS(".cred.just img.qr")),
	)
	b.screenshot("share")
	link := run(b, "link", chromedp.Value(chromedp.CSS(".cred.just .cred-link")))
	b.do("verify", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#verdict")))
	if v := run(b, "verdict", chromedp.AttributeValue(chromedp.CSS("#verdict"), "data-valid")); v.Value != "true" {
		t.Fatalf("a fresh credential verifies as %q", v.Value)
	}
	b.screenshot("verify-valid")

	// Alter it: raise the band in the payload; the signature no longer matches.
	u, _ := url.Parse(link)
	parts := strings.Split(u.Query().Get("c"), ".")
	mid := len(parts[1]) / 2
	swap := map[byte]byte{'A': 'B'}[parts[1][mid]]
	if swap == 0 {
		swap = 'A'
	}
	altered := parts[0] + "." + parts[1][:mid] + string(swap) + parts[1][mid+1:] + "." + parts[2]
	b.do("verify altered", chromedp.Navigate(b.base+"/verify?c="+url.QueryEscape(altered)), chromedp.WaitVisible(chromedp.CSS("#verdict")))
	v := run(b, "altered verdict", chromedp.AttributeValue(chromedp.CSS("#verdict"), "data-valid"))
	reason := run(b, "altered reason", chromedp.AttributeValue(chromedp.CSS("#verdict"), "data-reason"))
	if v.Value != "false" || reason.Value != "bad_signature" {
		t.Errorf("altered credential: valid=%s reason=%s", v.Value, reason.Value)
	}
	b.screenshot("verify-altered")

	// The other pages, for the screenshots and to see they render.
	for _, page := range []struct{ path, sel, name string }{
		{"/portal/benefits", "#h-now", "benefits"},
		{"/portal/access-log", "#chain-status", "access-log"},
		{"/portal/data", "#h-events", "my-data"},
	} {
		b.do(page.name, chromedp.Navigate(b.base+page.path), chromedp.WaitVisible(chromedp.CSS(page.sel)))
		b.screenshot(page.name)
	}

	// Switch language: the choice sticks across pages.
	b.do("language",
		chromedp.Navigate(b.base+"/portal/"),
		chromedp.WaitVisible(chromedp.CSS("#lang-switch")),
		chromedp.Click(chromedp.CSS("#lang-switch")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] svg[data-chart="gauge"]`)),
	)
	if h1 := run(b, "h1", chromedp.Text(chromedp.CSS("h1"))); h1 != "我的开明分" {
		t.Errorf("after switching, h1 = %q", h1)
	}
	b.screenshot("home-zh")
	b.do("zh consents", chromedp.Navigate(b.base+"/portal/consents"), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] h1`)))

	// A phone-sized screen: one column, nothing wider than the viewport.
	b.do("phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(b.base+"/portal/"), chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)))
	if w := run(b, "scroll width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 400 {
		t.Errorf("on a phone the page is %d px wide (viewport 390)", w)
	}
	b.screenshot("home-phone")
	t.Logf("browser scenarios took %s", time.Since(start).Round(time.Millisecond))
}

// TestBrowserStaysOnSiteAfterLogin: Chromium, which drops tabs and
// newlines from URLs and reads backslashes as slashes, follows a login
// link whose next an attacker chose (every one of offSiteNext, the
// review's /%09/evil.example among them) and ends on the portal every
// time, never on another host.
func TestBrowserStaysOnSiteAfterLogin(t *testing.T) {
	// One login a bypass: more than the login pages' per-client default.
	b := newBrowser(t, func(c *portal.Config) { c.Clients = &auth.ClientLimiter{Rate: 1000, Burst: 1000} })
	for _, next := range offSiteNext {
		b.do("ask for a login link",
			chromedp.Navigate(b.base+"/portal/login"),
			chromedp.WaitVisible(chromedp.CSS("#who")),
			chromedp.SendKeys(chromedp.CSS("#who"), "alice"),
			chromedp.Click(chromedp.CSS("#login-submit")),
			chromedp.WaitVisible(chromedp.CSS("#login-link")),
		)
		href := run(b, fmt.Sprintf("login link for next=%q", next), chromedp.AttributeValue(chromedp.CSS("#login-link"), "href"))
		u, err := url.Parse(b.base + href.Value)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("next", next)
		u.RawQuery = q.Encode()
		b.do(fmt.Sprintf("open the link with next=%q and confirm", next),
			chromedp.Navigate(u.String()),
			chromedp.WaitVisible(chromedp.CSS("#login-confirm")),
			chromedp.Click(chromedp.CSS("#login-confirm")),
			chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)),
		)
		if loc := run(b, "location", chromedp.Location()); !strings.HasPrefix(loc, b.base+"/portal/") {
			t.Errorf("next=%q: Chromium ended at %s, want %s/portal/", next, loc, b.base)
		}
		// Each login starts logged out.
		b.do("log out", chromedp.Navigate(b.base+"/portal/"), chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#who")))
	}
	t.Logf("Chromium stayed on the portal for all %d bypasses", len(offSiteNext))
}
