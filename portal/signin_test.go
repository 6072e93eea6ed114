package portal_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/notice"
	"github.com/sesame-credit/sesame/notice/noticetest"
	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/sqlite"
)

func signInHarness(t *testing.T) *harness {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := db.Sessions()
	return newHarness(t, func(c *portal.Config) {
		people := &auth.People{Store: s, Contacts: s, Demo: true}
		c.Auth, c.SignIn, c.DemoMode = people, people, true
		c.Passkeys = &auth.Passkeys{People: people, Store: s}
		// Passkeys need a site name: browsers refuse an IP address (the
		// server says so with a 400).
		c.BaseURL = "http://localhost"
	})
}

// jsonPost posts body with the CSRF header, as passkey.js does.
func (h *harness) jsonPost(path, csrf, body string) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	res, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode >= 500 {
		h.t.Fatalf("POST %s: %d %s", path, res.StatusCode, b)
	}
	return res, string(b)
}

// Bad input on the sign-in and account routes is a clear 4xx, never a 500.
func TestSignInBadInput(t *testing.T) {
	h := signInHarness(t)
	_, page := h.do("GET", "/portal/login", nil)
	pre := csrfOf(t, page)
	if !strings.Contains(page, `id="passkey-login"`) || !strings.Contains(page, "E-mail address or phone number") {
		t.Error("the login page offers neither passkeys nor the e-mail/phone field")
	}
	// Before login: passkey routes need the page's CSRF token and a live prompt.
	if res, _ := h.jsonPost("/portal/passkey/begin", "", "{}"); res.StatusCode != http.StatusForbidden {
		t.Errorf("passkey begin without CSRF: %d", res.StatusCode)
	}
	if res, _ := h.jsonPost("/portal/passkey/finish", pre, `{"id":"x"}`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("passkey finish with no prompt: %d", res.StatusCode)
	}
	res, body := h.jsonPost("/portal/passkey/begin", pre, "{}")
	var opts struct {
		PublicKey struct{ Challenge string } `json:"publicKey"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &opts) != nil || len(opts.PublicKey.Challenge) < 16 {
		t.Fatalf("passkey begin: %d %s", res.StatusCode, body)
	}
	if res, _ := h.jsonPost("/portal/passkey/finish", pre, `not json`); res.StatusCode != http.StatusBadRequest {
		t.Errorf("passkey finish with garbage: %d, want 400", res.StatusCode)
	}
	// The prompt was used up by that answer.
	if res, _ := h.jsonPost("/portal/passkey/finish", pre, `not json`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a second answer to one prompt: %d, want 401", res.StatusCode)
	}
	if res, _ := h.do("POST", "/portal/login", url.Values{"csrf": {pre}, "who": {"not an address!"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("nonsense identifier: %d", res.StatusCode)
	}

	token := h.login("alice")
	res, page = h.do("GET", "/portal/account", nil)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-store" || !strings.Contains(page, `id="logout-everywhere"`) || !strings.Contains(page, "demo login") {
		t.Fatalf("account page: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	for _, c := range []struct {
		path string
		want int
	}{
		{"/portal/account/sessions/nope/revoke", 404},
		{"/portal/account/passkeys/nope/remove", 404},
	} {
		if res, _ := h.do("POST", c.path, url.Values{"csrf": {token}}); res.StatusCode != c.want {
			t.Errorf("POST %s: %d, want %d", c.path, res.StatusCode, c.want)
		}
	}
	if res, _ := h.do("POST", "/portal/account/logout-everywhere", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("log out everywhere without CSRF: %d", res.StatusCode)
	}
	if res, _ := h.jsonPost("/portal/account/passkeys/finish?name=x", token, `{}`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("passkey registration finish with no prompt: %d", res.StatusCode)
	}
	if res, _ := h.jsonPost("/portal/account/passkeys/begin", token, `{}`); res.StatusCode != 200 {
		t.Errorf("passkey registration begin: %d", res.StatusCode)
	}
	if res, _ := h.jsonPost("/portal/account/passkeys/finish?name="+strings.Repeat("n", 65), token, `{}`); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a 65-character passkey name: %d, want 400", res.StatusCode)
	}
}

// Login mails to one address are limited (a burst, then one a minute),
// whatever address asks, and the page says the same when one is held back.
func TestLoginMailsPerAddressAreLimited(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := db.Sessions()
	if err := s.SetContact(context.Background(), auth.Contact{Identifier: "alice@example.org", Kind: auth.ContactEmail, Person: "alice", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	smtp := noticetest.NewSMTPServer(t)
	server, _ := notice.ParseSMTPURL("smtp://" + smtp.Addr)
	h := newHarness(t, func(c *portal.Config) {
		people := &auth.People{Store: s, Contacts: s}
		c.Auth, c.SignIn, c.DemoMode = people, people, false
		c.Mail = &notice.DirectMail{Server: server, From: "login@sesame.example"}
	})
	_, page := h.do("GET", "/portal/login", nil)
	csrf := csrfOf(t, page)
	var pages []string
	for range 7 {
		res, page := h.do("POST", "/portal/login", url.Values{"csrf": {csrf}, "who": {"alice@example.org"}})
		if res.StatusCode != 200 {
			t.Fatalf("login: %d", res.StatusCode)
		}
		pages = append(pages, page[strings.Index(page, "<main"):])
	}
	if pages[6] != pages[0] {
		t.Error("the page differs once mails are held back")
	}
	time.Sleep(500 * time.Millisecond)
	smtp.Wait(t, "alice@example.org", 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	if n := smtp.Count(); n != 5 {
		t.Errorf("%d login mails went to one address in a moment, want 5", n)
	}
}

// The export gives the person's contacts, live sessions and passkeys —
// the passkey's public part only — in export.json and as CSV files.
func TestExportHasContactsSessionsAndPasskeys(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := db.Sessions()
	h := newHarness(t, func(c *portal.Config) {
		people := &auth.People{Store: s, Contacts: s, Demo: true}
		c.Auth, c.SignIn, c.DemoMode = people, people, true
		c.Account = auth.Account{Contacts: s, Sessions: s, Passkeys: s}
	})
	ctx, now := context.Background(), time.Now().UTC()
	if err := s.SetContact(ctx, auth.Contact{Identifier: "alice@example.org", Kind: auth.ContactEmail, Person: "alice", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	// The stored record as the WebAuthn library writes it; its attestation
	// object must not reach the export.
	cred := `{"id":"Y3JlZA==","publicKey":"pQECAyYgASFYIA==","attestationFormat":"none","transport":["internal"],"flags":{"backupEligible":true},"authenticator":{"AAGUID":"AAECAwQFBgcICQoLDA0ODw==","signCount":3},"attestation":{"object":"QVRURVNUQVRJT05PQkpFQ1Q="}}`
	if err := s.AddPasskey(ctx, &auth.Passkey{ID: "Y3JlZA", Person: "alice", Name: "my phone", Credential: []byte(cred), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	h.login("alice")
	_, body := h.do("GET", "/portal/data/export.json", nil)
	var out struct {
		Contacts []auth.ContactExport `json:"contacts"`
		Sessions []auth.SessionExport `json:"sessions"`
		Passkeys []auth.PasskeyExport `json:"passkeys"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Contacts) != 1 || out.Contacts[0].Identifier != "alice@example.org" || out.Contacts[0].Kind != "email" {
		t.Errorf("export's contacts: %+v", out.Contacts)
	}
	if len(out.Sessions) != 1 || out.Sessions[0].Method != auth.MethodDemo || out.Sessions[0].ID == "" {
		t.Errorf("export's sessions: %+v", out.Sessions)
	}
	if len(out.Passkeys) != 1 || out.Passkeys[0].Name != "my phone" || out.Passkeys[0].PublicKey != "pQECAyYgASFYIA" || out.Passkeys[0].SignCount != 3 {
		t.Errorf("export's passkeys: %+v", out.Passkeys)
	}
	if strings.Contains(body, "QVRURVNUQVRJT05PQkpFQ1Q") || strings.Contains(body, portal.SessionCookie) {
		t.Errorf("the export carries a passkey's attestation or a session cookie:\n%s", body)
	}
	res, zipBody := h.do("GET", "/portal/data/export.zip", nil)
	zr, err := zip.NewReader(strings.NewReader(zipBody), int64(len(zipBody)))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("archive: %d %v", res.StatusCode, err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	for name, want := range map[string]string{"contacts.csv": "alice@example.org", "sessions.csv": auth.MethodDemo, "passkeys.csv": "my phone"} {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s lacks %q: %q", name, want, files[name])
		}
	}
}
