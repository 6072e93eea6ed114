package main

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/notice/noticetest"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

// TestServeMailsLoginLinks: outside demo mode, `sesame serve --smtp-url`
// mails a login link to the address `sesame person contact` put on file,
// and the link logs the person in — on SQLite and on PostgreSQL.
func TestServeMailsLoginLinks(t *testing.T) {
	t.Setenv("SESAME_CREDENTIAL_KEK", "")
	t.Run("sqlite", func(t *testing.T) {
		testServeMailsLoginLinks(t, "--db", filepath.Join(t.TempDir(), "s.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		testServeMailsLoginLinks(t, "--db", pgtest.FreshURL(t), "--kek-file", newKEKFile(t))
	})
}

func testServeMailsLoginLinks(t *testing.T, dbArgs ...string) {
	smtp := noticetest.NewSMTPServer(t)
	base := serveInProcess(t, append(dbArgs, "--operator-token", "op", "--smtp-url", "smtp://"+smtp.Addr, "--mail-from", "login@sesame.example")...)
	if code := run(context.Background(), []string{"person", "contact", "--db", dbArgs[1], "carol", "Carol@Example.org", "+44 20 7946 0958"}); code != 0 {
		t.Fatalf("person contact: exit %d", code)
	}
	carol := newBrowser(t, base)
	_, page := carol.do("GET", "/portal/login", nil)
	csrf := csrfField.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no login form: %s", page)
	}
	res, page := carol.do("POST", "/portal/login", url.Values{"csrf": {csrf[1]}, "who": {"+44 20 7946 0958"}})
	if res.StatusCode != 200 || !strings.Contains(page, `id="login-sent"`) || demoLink.MatchString(page) {
		t.Fatalf("POST /portal/login: %d; want the sent page and no link on it: %s", res.StatusCode, page)
	}
	mail := smtp.Wait(t, "carol@example.org", 10*time.Second)
	link := regexp.MustCompile(`http://\S+/portal/auth\?\S+`).FindString(mail.Body)
	if link == "" {
		t.Fatalf("no link in the mail: %q", mail.Body)
	}
	res, page = carol.do("GET", strings.TrimPrefix(link, base), nil)
	token, confirm := loginToken.FindStringSubmatch(page), csrfField.FindStringSubmatch(page)
	if res.StatusCode != 200 || token == nil || confirm == nil {
		t.Fatalf("opening the mailed link: %d; %s", res.StatusCode, page)
	}
	if res, _ = carol.do("POST", "/portal/auth", url.Values{"csrf": {confirm[1]}, "token": {token[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("redeeming the mailed link: %d", res.StatusCode)
	}
	if res, page = carol.do("GET", "/portal/account", nil); res.StatusCode != 200 || !strings.Contains(page, "e-mail link") {
		t.Fatalf("carol's account page: %d %s", res.StatusCode, page)
	}
}

// A source's identity event with a verified e-mail address, posted to the
// API, lets the person log in with that address: no operator in between.
func TestServeContactFromIngest(t *testing.T) {
	t.Setenv("SESAME_CREDENTIAL_KEK", "")
	t.Run("sqlite", func(t *testing.T) {
		testServeContactFromIngest(t, "--db", filepath.Join(t.TempDir(), "s.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		testServeContactFromIngest(t, "--db", pgtest.FreshURL(t), "--kek-file", newKEKFile(t))
	})
}

func testServeContactFromIngest(t *testing.T, dbArgs ...string) {
	smtp := noticetest.NewSMTPServer(t)
	base := serveInProcess(t, append(dbArgs, "--operator-token", "op", "--smtp-url", "smtp://"+smtp.Addr, "--mail-from", "login@sesame.example")...)
	event := `{"source":"kyc-svc","id":"idr-dave","person":"dave","kind":"identity.reported","occurred_at":"2026-06-01T09:30:00+08:00","payload":{"identity_verified":true,"verified_email":"Dave@Example.org","verified_phone":"+8613900139000"}}`
	req, _ := http.NewRequest("POST", base+"/v1/events", strings.NewReader(event))
	req.Header.Set("Authorization", "Bearer op")
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("ingest: %v %v", resp, err)
	}
	resp.Body.Close()

	dave := newBrowser(t, base)
	_, page := dave.do("GET", "/portal/login", nil)
	csrf := csrfField.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no login form: %s", page)
	}
	// By the phone number the source verified; the link goes to the e-mail.
	if res, page := dave.do("POST", "/portal/login", url.Values{"csrf": {csrf[1]}, "who": {"+86 139 0013 9000"}}); res.StatusCode != 200 || !strings.Contains(page, `id="login-sent"`) {
		t.Fatalf("POST /portal/login: %d %s", res.StatusCode, page)
	}
	mail := smtp.Wait(t, "dave@example.org", 10*time.Second)
	if !strings.Contains(mail.Body, "/portal/auth?") {
		t.Fatalf("no login link in the mail to dave: %q", mail.Body)
	}
}
