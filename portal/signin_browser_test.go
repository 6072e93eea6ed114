package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/notice"
	"github.com/sesame-credit/sesame/notice/noticetest"
	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/sqlite"
)

// signInEnv is the portal on real SQLite sign-in stores, mailing through
// a real (in-test) SMTP server, outside demo mode: alice is on file as
// alice@example.org and +86 138 0013 8000.
type signInEnv struct {
	*browser
	smtp  *noticetest.SMTPServer
	store *sqlite.SessionStore
}

const aliceEmail = "alice@example.org"

func newSignInBrowser(t *testing.T) *signInEnv {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "signin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := db.Sessions()
	now := time.Now().UTC()
	for _, c := range []auth.Contact{
		{Identifier: aliceEmail, Kind: auth.ContactEmail, Person: "alice", CreatedAt: now},
		{Identifier: "+8613800138000", Kind: auth.ContactPhone, Person: "alice", CreatedAt: now},
	} {
		if err := store.SetContact(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	smtp := noticetest.NewSMTPServer(t)
	server, _ := notice.ParseSMTPURL("smtp://" + smtp.Addr)
	b := newBrowser(t, func(c *portal.Config) {
		people := &auth.People{Store: store, Contacts: store}
		c.Auth, c.SignIn = people, people
		c.Passkeys = &auth.Passkeys{People: people, Store: store}
		c.Mail = &notice.DirectMail{Server: server, From: "login@sesame.example"}
		c.DemoMode = false
	})
	// Passkeys are bound to a site name; browsers refuse an IP address.
	b.base = strings.Replace(b.base, "127.0.0.1", "localhost", 1)
	return &signInEnv{browser: b, smtp: smtp, store: store}
}

var linkInMail = regexp.MustCompile(`https?://\S+/portal/auth\?\S+`)

// mailedLink asks for a login link as who and returns the link mailed to alice.
func (e *signInEnv) mailedLink(t *testing.T, who string) string {
	t.Helper()
	before := e.smtp.Count()
	e.do("ask for a login link",
		chromedp.Navigate(e.base+"/portal/login"),
		chromedp.WaitVisible(chromedp.CSS("#who")),
		chromedp.SendKeys(chromedp.CSS("#who"), who),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#login-sent")),
	)
	deadline := time.Now().Add(10 * time.Second)
	for e.smtp.Count() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	m := e.smtp.Wait(t, aliceEmail, time.Second)
	link := linkInMail.FindString(m.Body)
	if link == "" {
		t.Fatalf("no login link in the mail %q", m.Body)
	}
	return strings.Replace(link, "127.0.0.1", "localhost", 1)
}

func (e *signInEnv) loginByMail(t *testing.T) {
	t.Helper()
	link := e.mailedLink(t, aliceEmail)
	e.do("open the mailed link and confirm",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#login-confirm")),
		chromedp.Click(chromedp.CSS("#login-confirm")),
		chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)),
	)
}

// TestBrowserMagicLinkLogin: alice types her phone number, the link
// arrives by e-mail at her address, a link scanner's GET does not use it
// up, the page's button POSTs it and she is in; the link never works twice.
// Someone not on file sees the very same answer and no mail goes out.
func TestBrowserMagicLinkLogin(t *testing.T) {
	e := newSignInBrowser(t)
	link := e.mailedLink(t, "+86 138 0013 8000")
	m := e.smtp.Wait(t, aliceEmail, time.Second)
	if m.Subject != "Your Sesame login link" || !strings.Contains(m.Body, "expires in 15 minutes") {
		t.Errorf("mail: subject %q body %q", m.Subject, m.Body)
	}

	// A mail scanner fetches the link first.
	res, err := http.Get(strings.Replace(link, "localhost", "127.0.0.1", 1))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("scanner's GET: %d", res.StatusCode)
	}
	e.do("open the link and press the button",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#login-confirm")),
		chromedp.Click(chromedp.CSS("#login-confirm")),
		chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)),
	)
	if who := run(e.browser, "signed in as", chromedp.Text(chromedp.CSS(".who"))); !strings.Contains(who, "alice") {
		t.Errorf("signed in as %q", who)
	}
	// Used once: the same link now fails, in a fresh session.
	e.do("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#who")))
	e.do("the link again",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#login-confirm")),
		chromedp.Click(chromedp.CSS("#login-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#page-error")),
	)

	// Not on file: the same page, and no mail.
	sent := e.smtp.Count()
	e.do("a stranger asks",
		chromedp.Navigate(e.base+"/portal/login"),
		chromedp.WaitVisible(chromedp.CSS("#who")),
		chromedp.SendKeys(chromedp.CSS("#who"), "nobody@example.org"),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#login-sent")),
	)
	time.Sleep(300 * time.Millisecond)
	if n := e.smtp.Count(); n != sent {
		t.Errorf("%d mails went out for an address on file for no one", n-sent)
	}
	// Nonsense is a clear 400 with the form again.
	e.do("nonsense",
		chromedp.Navigate(e.base+"/portal/login"),
		chromedp.WaitVisible(chromedp.CSS("#who")),
		chromedp.SendKeys(chromedp.CSS("#who"), "not an address"),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#page-error")),
		chromedp.WaitVisible(chromedp.CSS("#who")),
	)
}

// TestBrowserKeyboardLogin: the whole e-mail login with the keyboard only —
// Tab to the field, type, Enter; open the mailed link, Tab to the button, Enter.
func TestBrowserKeyboardLogin(t *testing.T) {
	e := newSignInBrowser(t)
	tabTo := func(id string) {
		t.Helper()
		for range 15 {
			if got := run(e.browser, "focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)); got == id {
				return
			}
			e.do("tab", chromedp.KeyEvent(kb.Tab))
		}
		t.Fatalf("Tab never reached #%s", id)
	}
	e.do("login page", chromedp.Navigate(e.base+"/portal/login"), chromedp.WaitVisible(chromedp.CSS("#who")))
	tabTo("who")
	before := e.smtp.Count()
	e.do("type and submit", chromedp.KeyEvent(aliceEmail), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#login-sent")))
	for deadline := time.Now().Add(10 * time.Second); e.smtp.Count() == before && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	link := strings.Replace(linkInMail.FindString(e.smtp.Wait(t, aliceEmail, time.Second).Body), "127.0.0.1", "localhost", 1)
	e.do("open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#login-confirm")))
	tabTo("login-confirm")
	e.do("confirm", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)))
}

// TestBrowserPasskey: signed in by an e-mail link, alice adds a passkey
// (Chromium's virtual authenticator answers the prompt), logs out and logs
// in with the passkey alone; the account page lists it and how she came in.
func TestBrowserPasskey(t *testing.T) {
	e := newSignInBrowser(t)
	e.loginByMail(t)
	var authn webauthn.AuthenticatorID
	e.do("virtual authenticator", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		res, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		authn = res.AuthenticatorID
		return chromedp.Void{}, err
	})
	e.do("add a passkey",
		chromedp.Navigate(e.base+"/portal/account"),
		chromedp.WaitVisible(chromedp.CSS("#passkey-add")),
		chromedp.SendKeys(chromedp.CSS("#passkey-name"), "test laptop"),
		chromedp.Click(chromedp.CSS("#passkey-add")),
		chromedp.WaitVisible(chromedp.CSS("ul#passkeys li")),
	)
	if txt := run(e.browser, "passkeys", chromedp.Text(chromedp.CSS("ul#passkeys"))); !strings.Contains(txt, "test laptop") {
		t.Fatalf("passkey list %q", txt)
	}
	creds := run(e.browser, "credentials", func(ctx context.Context, tg *chromedp.Target) (*webauthn.GetCredentialsResult, error) {
		r, err := cdp.Call(ctx, tg, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: authn})
		return &r, err
	})
	if len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential || string(creds.Credentials[0].UserHandle) != "alice" {
		t.Fatalf("the authenticator holds %+v", creds.Credentials)
	}

	e.do("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#who")))
	e.do("log in with the passkey",
		chromedp.WaitVisible(chromedp.CSS("#passkey-login")),
		chromedp.Click(chromedp.CSS("#passkey-login")),
		chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)),
	)
	e.do("account", chromedp.Navigate(e.base+"/portal/account"), chromedp.WaitVisible(chromedp.CSS("#sessions")))
	if txt := run(e.browser, "sessions", chromedp.Text(chromedp.CSS("#sessions"))); !strings.Contains(txt, "passkey") {
		t.Errorf("the account page does not say this session came by passkey: %q", txt)
	}
	if txt := run(e.browser, "passkeys", chromedp.Text(chromedp.CSS("ul#passkeys"))); !strings.Contains(txt, "last used") {
		t.Errorf("the passkey's last use is not shown: %q", txt)
	}
	// Removed, it no longer logs in.
	e.do("remove the passkey", chromedp.Click(chromedp.CSS("ul#passkeys button")), chromedp.WaitVisible(chromedp.CSS("p#passkeys")))
	e.do("log out again", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#passkey-login")))
	e.do("try the removed passkey", chromedp.Click(chromedp.CSS("#passkey-login")))
	status := ""
	for deadline := time.Now().Add(10 * time.Second); status == "" && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		status = run(e.browser, "status", chromedp.Evaluate[string](`document.getElementById("passkey-status").textContent`))
	}
	if !strings.Contains(status, "not known here") {
		t.Errorf("after trying a removed passkey the page says %q", status)
	}
	if loc := run(e.browser, "location", chromedp.Location()); !strings.HasSuffix(loc, "/portal/login") {
		t.Errorf("a removed passkey logged in (at %s)", loc)
	}
}

// TestBrowserSessionsAndLogoutEverywhere: alice's phone (another client)
// shows on her account page; she logs one device out, then every device,
// and the other session stops working.
func TestBrowserSessionsAndLogoutEverywhere(t *testing.T) {
	e := newSignInBrowser(t)
	e.loginByMail(t)
	people := &auth.People{Store: e.store, Contacts: e.store}
	phoneLogin := func(ua string) *http.Client {
		token, _, err := people.LoginLink(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		base := strings.Replace(e.base, "localhost", "127.0.0.1", 1)
		get := func() string {
			req, _ := http.NewRequest("GET", base+"/portal/auth?token="+url.QueryEscape(token), nil)
			req.Header.Set("User-Agent", ua)
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			return regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(b))[1]
		}
		csrf := get()
		req, _ := http.NewRequest("POST", base+"/portal/auth", strings.NewReader(url.Values{"csrf": {csrf}, "token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		req.Header.Set("User-Agent", ua)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("phone login: %d", res.StatusCode)
		}
		return c
	}
	works := func(c *http.Client) bool {
		res, err := c.Get(strings.Replace(e.base, "localhost", "127.0.0.1", 1) + "/portal/account")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}
	phone := phoneLogin("Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36")
	tablet := phoneLogin("Mozilla/5.0 (iPad; CPU OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Safari/604.1")
	if !works(phone) || !works(tablet) {
		t.Fatal("the other devices' sessions do not work to begin with")
	}

	e.do("account", chromedp.Navigate(e.base+"/portal/account"), chromedp.WaitVisible(chromedp.CSS("#sessions")))
	txt := run(e.browser, "sessions", chromedp.Text(chromedp.CSS("#sessions")))
	for _, want := range []string{"Chrome · Android", "Safari · iPad", "this device", "e-mail link"} {
		if !strings.Contains(txt, want) {
			t.Errorf("sessions list lacks %q: %q", want, txt)
		}
	}
	e.screenshot("account")
	if n := run(e.browser, "sessions", chromedp.Evaluate[int](`document.querySelectorAll("#sessions > li").length`)); n != 3 {
		t.Errorf("%d sessions listed, want 3", n)
	}
	// On a phone, every button of the account page lies inside the screen.
	e.do("phone", chromedp.EmulateViewport(360, 740), chromedp.Navigate(e.base+"/portal/account"), chromedp.WaitVisible(chromedp.CSS("#sessions")))
	if w := run(e.browser, "scroll width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
		t.Errorf("on a phone the account page is %d px wide (viewport 360)", w)
	}
	outside := run(e.browser, "buttons", chromedp.Evaluate[[]string](`[...document.querySelectorAll("main button")].filter(b => b.offsetParent !== null).
		filter(b => { const r = b.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; }).map(b => b.textContent.trim())`))
	if n := run(e.browser, "button count", chromedp.Evaluate[int](`document.querySelectorAll("main button").length`)); n < 4 {
		t.Errorf("the account page has %d buttons, want at least 4 (two logouts, log out everywhere, add a passkey)", n)
	}
	if len(outside) > 0 {
		t.Errorf("on a phone these buttons stick out of the screen: %q", outside)
	}
	if out := run(e.browser, "controls", chromedp.Evaluate[[]string](controlsOutside)); len(out) > 0 {
		t.Errorf("on a phone these controls stick out of the screen: %q", out)
	}
	// axe-core on the account page as it is with three sessions listed.
	run(e.browser, "inject axe", chromedp.Evaluate[bool](axeSource+";true"))
	for _, v := range run(e.browser, "axe account", chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise)).Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("/portal/account with sessions, 360x740: %s %s: %s", v.Impact, v.ID, v.Help)
		}
	}
	e.do("desktop", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.base+"/portal/account"), chromedp.WaitVisible(chromedp.CSS("#sessions")))
	e.do("log the iPad out",
		chromedp.Click(chromedp.CSS(`#sessions li:has(strong[title*="iPad"]) button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if works(tablet) {
		t.Error("the iPad's session still works after it was logged out")
	}
	if !works(phone) {
		t.Error("logging the iPad out ended the phone's session too")
	}
	e.do("log out everywhere", chromedp.Click(chromedp.CSS("#logout-everywhere")), chromedp.WaitVisible(chromedp.CSS("#who")))
	if works(phone) {
		t.Error("the phone's session still works after logging out everywhere")
	}
	e.do("this browser is logged out too", chromedp.Navigate(e.base+"/portal/account"), chromedp.WaitVisible(chromedp.CSS("#who")))
}
