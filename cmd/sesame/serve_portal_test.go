package main

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

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

// browser is a client for the portal as a person's browser: a cookie jar,
// and redirects left to the test so that it sees each step.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	return res, string(page)
}

var (
	csrfField  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	demoLink   = regexp.MustCompile(`href="(/portal/auth\?token=[^"]+)"`)
	loginToken = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

// login goes through the login page and the demo link like a person would,
// and returns their home page.
func (b *browser) login(who string) string {
	b.t.Helper()
	res, page := b.do("GET", "/portal/login", nil)
	csrf := csrfField.FindStringSubmatch(page)
	if res.StatusCode != 200 || csrf == nil {
		b.t.Fatalf("GET /portal/login: %d, want 200 and the login form; %s", res.StatusCode, page)
	}
	res, page = b.do("POST", "/portal/login", url.Values{"csrf": {csrf[1]}, "who": {who}})
	link := demoLink.FindStringSubmatch(page)
	if res.StatusCode != 200 || link == nil {
		b.t.Fatalf("POST /portal/login: %d, want 200 and a demo login link; %s", res.StatusCode, page)
	}
	res, page = b.do("GET", strings.ReplaceAll(link[1], "&amp;", "&"), nil)
	token, confirm := loginToken.FindStringSubmatch(page), csrfField.FindStringSubmatch(page)
	if res.StatusCode != 200 || token == nil || confirm == nil {
		b.t.Fatalf("opening the login link: %d, want the confirmation button; %s", res.StatusCode, page)
	}
	if res, _ = b.do("POST", "/portal/auth", url.Values{"csrf": {confirm[1]}, "token": {token[1]}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/" {
		b.t.Fatalf("redeeming the login link: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, page = b.do("GET", "/portal/", nil)
	if res.StatusCode != 200 {
		b.t.Fatalf("GET /portal/ after login: %d", res.StatusCode)
	}
	return page
}

// serveInProcess runs `sesame serve` with args until the test ends and
// returns its base URL once ready.
func serveInProcess(t *testing.T, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- run(ctx, append([]string{"serve", "--addr", addr, "--log-format", "text"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case c := <-code:
			if c != 0 {
				t.Errorf("serve: exit %d", c)
			}
		case <-time.After(40 * time.Second):
			t.Error("serve did not stop")
		}
	})
	base := "http://" + addr
	waitReady(t, base)
	return base
}

// TestServePortal: `sesame serve --demo` serves the person's portal — login
// page, demo login, their page, a dispute of one of their events, the
// published signing key — on the embedded SQLite store and on PostgreSQL,
// where everything it keeps is then found in the database.
func TestServePortal(t *testing.T) {
	t.Setenv("SESAME_CREDENTIAL_KEK", "")
	t.Run("sqlite", func(t *testing.T) {
		// The KEK file defaults to one beside the database.
		testServePortal(t, "--db", filepath.Join(t.TempDir(), "s.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		db := pgtest.FreshURL(t)
		testServePortal(t, "--db", db, "--kek-file", newKEKFile(t))
		pg, err := postgres.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		disputed, err := pg.Credentials().DisputedEvents(context.Background(), "alice")
		if err != nil || len(disputed) != 1 || disputed[sesame.EventKey{Source: "bank", ID: "e1"}].IsZero() {
			t.Errorf("alice's disputes in PostgreSQL: %v, %v", disputed, err)
		}
		if keys, err := pg.Credentials().Keys(context.Background()); err != nil || len(keys) != 1 {
			t.Errorf("signing keys in PostgreSQL: %d, %v, want 1", len(keys), err)
		}
	})
}

func testServePortal(t *testing.T, dbArgs ...string) {
	base := serveInProcess(t, append(dbArgs, "--operator-token", "op", "--demo")...)

	event := `{"source":"bank","id":"e1","person":"alice","kind":"payment.made","occurred_at":"2026-03-01T09:30:00Z","payload":{"amount":{"amount":100,"currency":"CNY"},"merchant_category":"5411","channel":"online"}}`
	req, _ := http.NewRequest("POST", base+"/v1/events", strings.NewReader(event))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer op")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("POST /v1/events: %d", res.StatusCode)
	}

	alice := newBrowser(t, base)
	home := alice.login("alice")
	csrf := csrfField.FindStringSubmatch(home)
	if csrf == nil || !strings.Contains(home, "alice") {
		t.Fatalf("alice's page lacks her name or a form token: %s", home)
	}
	if res, page := alice.do("POST", "/portal/data/dispute", url.Values{"csrf": {csrf[1]}, "source": {"bank"}, "id": {"e1"}, "reason": {"I never paid this"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dispute: %d %s", res.StatusCode, page)
	}
	if _, page := alice.do("GET", "/portal/data", nil); !strings.Contains(page, `class="disputed"`) {
		t.Error("the disputed event is not shown as such")
	}
	if res, page := alice.do("GET", "/.well-known/jwks.json", nil); res.StatusCode != 200 || !strings.Contains(page, `"kid"`) {
		t.Errorf("jwks: %d %s, want the signing key made at start", res.StatusCode, page)
	}
}

// TestServeOnPostgresWithoutKEK: PostgreSQL has no database file to keep the
// credential KEK beside, so without one named the portal stays off (said in
// the log) while the API serves as before.
func TestServeOnPostgresWithoutKEK(t *testing.T) {
	t.Setenv("SESAME_CREDENTIAL_KEK", "")
	t.Setenv("SESAME_KEK_FILE", "")
	base := serveInProcess(t, "--db", pgtest.FreshURL(t), "--operator-token", "op")
	res, err := http.Get(base + "/portal/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /portal/login without a KEK: %d, want 404 (portal off)", res.StatusCode)
	}
}
