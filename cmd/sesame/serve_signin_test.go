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
