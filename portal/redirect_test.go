package portal_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/portal"
)

// offSiteNext are known open-redirect bypasses (OWASP's unvalidated
// redirects cheat sheet, PortSwigger's URL-validation bypass list, and the
// tab that an outside review found): each must bring the person back to
// the portal's home, never to another host.
var offSiteNext = []string{
	"//evil.example",
	"///evil.example",
	"////evil.example",
	"/\t/evil.example",
	"/\n/evil.example",
	"/\r/evil.example",
	"/\r\n/evil.example",
	"/\x0b/evil.example",
	"/\x0c/evil.example",
	"/\x00/evil.example",
	"/\x7f/evil.example",
	"/\\evil.example",
	"/\\/evil.example",
	"\\\\evil.example",
	"\\/evil.example",
	"/ /evil.example",
	" //evil.example",
	"\t//evil.example",
	"/%2F/evil.example",
	"/%2f%2fevil.example",
	"/%5Cevil.example",
	"/%09/evil.example",
	"/%0d%0a/evil.example",
	"https://evil.example",
	"http:evil.example",
	"https:/evil.example",
	"javascript:alert(1)",
	"JaVaScRiPt:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"evil.example",
	"@evil.example",
	"//evil.example@sesame.test",
	"//sesame.test@evil.example",
	"/\u3000/evil.example",
	"/\u2028/evil.example",
	"/\ufeff/evil.example",
	"/．/evil.example",
	"",
}

// TestNextRefusesOffSiteRedirects runs every bypass through the real login
// flow (login link with next=…, confirmation, redirect) and checks where
// the redirect goes, resolved as a browser resolves a Location header.
func TestNextRefusesOffSiteRedirects(t *testing.T) {
	if len(offSiteNext) < 20 {
		t.Fatalf("only %d bypasses", len(offSiteNext))
	}
	// Forty logins in a second from one address: more than the default
	// per-client limit of the login pages allows (tested on its own).
	h := newHarness(t, func(c *portal.Config) { c.Clients = &auth.ClientLimiter{Rate: 1000, Burst: 1000} })
	for _, next := range offSiteNext {
		loc := h.loginWithNext(next)
		if loc != "/portal/" {
			t.Errorf("next=%q → Location %q, want /portal/", next, loc)
		}
	}
	// Same-origin paths survive, query and fragment included.
	for _, next := range []string{"/portal/consents?request=creq_1", "/portal/share#c-cred_1", "/portal/data", "/portal/a:b"} {
		if loc := h.loginWithNext(next); loc != next {
			t.Errorf("next=%q → Location %q, want it kept", next, loc)
		}
	}
}

// TestLanguageSwitchRefusesOffSiteRedirects: the other redirect that
// takes a path from the request.
func TestLanguageSwitchRefusesOffSiteRedirects(t *testing.T) {
	h := newHarness(t)
	_, page := h.do("GET", "/portal/login", nil)
	csrf := csrfOf(t, page)
	for _, next := range offSiteNext {
		res, _ := h.do("POST", "/portal/lang", url.Values{"csrf": {csrf}, "lang": {"zh"}, "next": {next}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/portal/" {
			t.Errorf("next=%q → %d %q, want 303 /portal/", next, res.StatusCode, loc)
		}
	}
}

// loginWithNext logs alice in through a login link carrying next and
// returns where the final redirect points, after checking that a browser
// would stay on this origin.
func (h *harness) loginWithNext(next string) string {
	h.t.Helper()
	h.client.Jar.SetCookies(mustURL(h.srv.URL), []*http.Cookie{{Name: portal.SessionCookie, Value: "", MaxAge: -1}})
	_, page := h.do("GET", "/portal/login", nil)
	_, page = h.do("POST", "/portal/login", url.Values{"csrf": {csrfOf(h.t, page)}, "who": {"alice"}, "next": {next}})
	link := regexp.MustCompile(`href="(/portal/auth\?token=[^"]+)"`).FindStringSubmatch(page)
	if link == nil {
		h.t.Fatalf("no login link for next=%q", next)
	}
	// The link a mail would carry, with next as an attacker would put it there.
	u := mustURL(h.srv.URL + strings.ReplaceAll(link[1], "&amp;", "&"))
	q := u.Query()
	q.Set("next", next)
	u.RawQuery = q.Encode()
	res := h.redeem(u.RequestURI())
	if res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("next=%q: redeem %d", next, res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if target, err := res.Location(); err != nil || target.Host != mustURL(h.srv.URL).Host || target.Scheme != "http" {
		h.t.Errorf("next=%q: Location %q resolves to %v (%v), off this origin", next, loc, target, err)
	}
	if strings.ContainsAny(loc, "\\\t\r\n\x00") || strings.HasPrefix(loc, "//") {
		h.t.Errorf("next=%q: Location %q has characters a browser would rewrite", next, loc)
	}
	return loc
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestLoginLinkSurvivesGET: opening a login link (as a mail scanner or a
// link preview does) only shows a button; the link is used by the POST,
// once, and a POST without the page's CSRF token is refused.
func TestLoginLinkSurvivesGET(t *testing.T) {
	h := newHarness(t)
	_, page := h.do("GET", "/portal/login", nil)
	_, page = h.do("POST", "/portal/login", url.Values{"csrf": {csrfOf(t, page)}, "who": {"alice"}})
	link := strings.ReplaceAll(regexp.MustCompile(`href="(/portal/auth\?token=[^"]+)"`).FindStringSubmatch(page)[1], "&amp;", "&")
	for i := 0; i < 3; i++ {
		res, page := h.do("GET", link, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(page, `id="login-confirm"`) || strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), ";"), portal.SessionCookie+"=") {
			t.Fatalf("GET %d of the link: %d, want the confirmation button and no session", i+1, res.StatusCode)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the confirmation page (it holds the token) may be cached: %q", res.Header.Get("Cache-Control"))
		}
	}
	token := mustURL(link).Query().Get("token")
	if res, _ := h.do("POST", "/portal/auth", url.Values{"token": {token}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF token: %d, want 403", res.StatusCode)
	}
	if res := h.redeem(link); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/" {
		t.Fatalf("confirming: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := h.do("GET", "/portal/", nil); res.StatusCode != http.StatusOK {
		t.Errorf("after confirming: %d, want logged in", res.StatusCode)
	}
	h.client.Jar.SetCookies(mustURL(h.srv.URL), []*http.Cookie{{Name: portal.SessionCookie, Value: "", MaxAge: -1}})
	if res := h.redeem(link); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a used link: %d, want 401", res.StatusCode)
	}
}

// TestUnauthenticatedPagesAreRateLimited: the pages anyone may call
// without logging in answer 429 with Retry-After to a client past its
// burst, each client on its own budget.
func TestUnauthenticatedPagesAreRateLimited(t *testing.T) {
	fx := newHarness(t).fx
	fx.Config.Clients = &auth.ClientLimiter{Rate: 0.001, Burst: 5}
	p, err := portal.New(fx.Config)
	if err != nil {
		t.Fatal(err)
	}
	h := p.Handler()
	call := func(method, target, client string, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, strings.NewReader("who=alice"))
		req.RemoteAddr = client
		if method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	for _, c := range []struct{ method, target, accept string }{
		{"POST", "/portal/login", ""},
		{"GET", "/portal/auth?token=x", ""},
		{"POST", "/portal/auth", ""},
		{"GET", "/verify?c=a.b.c", "application/json"},
	} {
		// The pages share one budget per client: a new client per page.
		client := "203.0.113." + strconv.Itoa(len(c.target)) + ":4000"
		for i := 0; i < 5; i++ {
			if w := call(c.method, c.target, client, c.accept); w.Code == http.StatusTooManyRequests {
				t.Fatalf("%s %s: limited after %d calls, burst is 5", c.method, c.target, i)
			}
		}
		w := call(c.method, c.target, client, c.accept)
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s %s: the 6th call answered %d (Retry-After %q), want 429", c.method, c.target, w.Code, w.Header().Get("Retry-After"))
		}
		if c.accept == "application/json" && !strings.Contains(w.Body.String(), `"rate_limited"`) {
			t.Errorf("%s %s: JSON 429 body %s", c.method, c.target, w.Body)
		}
		if w := call(c.method, c.target, "[2001:db8::"+strconv.Itoa(len(c.target))+"]:4000", c.accept); w.Code == http.StatusTooManyRequests {
			t.Errorf("%s %s: another client is limited too", c.method, c.target)
		}
	}
}
