package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoginLinkBase(t *testing.T) {
	for _, c := range []struct{ public, addr, want string }{
		{"", "", "http://127.0.0.1:8080"},
		{"", "127.0.0.1:9000", "http://127.0.0.1:9000"},
		{"", ":9000", "http://127.0.0.1:9000"},
		{"", "0.0.0.0:9000", "http://127.0.0.1:9000"},
		{"", "[::]:9000", "http://127.0.0.1:9000"},
		{"", "[::1]:9000", "http://[::1]:9000"},
		{"https://sesame.example.org/", "0.0.0.0:9000", "https://sesame.example.org"},
		{"https://lb.internal:8443/sesame", "", "https://lb.internal:8443/sesame"},
	} {
		got, err := loginLinkBase(c.public, c.addr)
		if err != nil || got != c.want {
			t.Errorf("loginLinkBase(%q, %q) = %q, %v; want %q", c.public, c.addr, got, err, c.want)
		}
	}
	for _, c := range []struct{ public, addr string }{
		{"sesame.example.org", ""}, {"ftp://x", ""}, {"http://", ""}, {"https://x/?a=1", ""}, {"", "8080"},
	} {
		if got, err := loginLinkBase(c.public, c.addr); err == nil {
			t.Errorf("loginLinkBase(%q, %q) = %q; want an error", c.public, c.addr, got)
		}
	}
}

// The printed link names the server the operator named, by flag or by the
// environment serve reads too.
func TestLoginLinkUsesServerAddress(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "s.db")
	if out, code := runCaptured(t, func() int { return run(ctx, []string{"migrate", "--db", dbPath}) }); code != 0 {
		t.Fatalf("migrate: %d %s", code, out)
	}
	link := func(args ...string) (string, int) {
		return runCaptured(t, func() int {
			return run(ctx, append([]string{"person", "login-link", "--db", dbPath}, append(args, "p1")...))
		})
	}
	if out, code := link("--base-url", "https://sesame.example.org"); code != 0 || !strings.Contains(out, "https://sesame.example.org/portal/auth?token=ssl_") {
		t.Fatalf("--base-url: %d %q", code, out)
	}
	t.Setenv("SESAME_ADDR", "0.0.0.0:9123")
	if out, code := link(); code != 0 || !strings.Contains(out, "http://127.0.0.1:9123/portal/auth?token=ssl_") {
		t.Fatalf("SESAME_ADDR: %d %q", code, out)
	}
	t.Setenv("SESAME_PUBLIC_URL", "https://lb.example.org:8443")
	if out, code := link(); code != 0 || !strings.Contains(out, "https://lb.example.org:8443/portal/auth?token=ssl_") {
		t.Fatalf("SESAME_PUBLIC_URL: %d %q", code, out)
	}
	if out, code := link("--base-url", "sesame.example.org"); code == 0 {
		t.Fatalf("a base URL without a scheme was taken: %q", out)
	}
}
