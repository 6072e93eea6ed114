package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sesame-credit/sesame/auth"
)

// `sesame person login-link PERSON`: the operator's way to let a person in
// where no mailer is configured.

func init() {
	register(&command{name: "person login-link", summary: "print a one-time login link for a person", run: runLoginLink})
}

func runLoginLink(ctx context.Context, args []string) error {
	fs := newFlags("person login-link", "[--db PATH] [--base-url URL] [--ttl DURATION] PERSON")
	dsn := dbFlag(fs)
	base := fs.String("base-url", envOr("SESAME_PUBLIC_URL", ""), "the server's public `URL`, as people reach it, e.g. https://sesame.example.org (env SESAME_PUBLIC_URL, as for serve --public-url; default: http:// and $SESAME_ADDR, or 127.0.0.1:8080)")
	ttl := fs.Duration("ttl", auth.DefaultLinkTTL, "how long the link works (once)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give the PERSON id")
	}
	if *ttl <= 0 || *ttl > 7*24*time.Hour {
		return usageError(fs, "--ttl must lie between 1s and 168h")
	}
	link, err := loginLinkBase(*base, envOr("SESAME_ADDR", ""))
	if err != nil {
		return usageError(fs, err.Error())
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	people := &auth.People{Store: ts.Sessions, LinkTTL: *ttl}
	token, expires, err := people.LoginLink(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "one-time login link for %s, valid until %s; give it to the person only. API clients: POST /v1/auth/login {\"token\": \"…\"}\n", fs.Arg(0), expires.Format(time.RFC3339))
	fmt.Println(link + "/portal/auth?token=" + url.QueryEscape(token))
	return nil
}

// loginLinkBase is the URL a login link starts with: the public URL when one
// is given, else the server's listen address. A listen address on every
// interface (":8080", "0.0.0.0:8080") names no host a person could open, so
// the link then names loopback; behind a load balancer the public URL is the
// only right answer, hence the error for anything that is not http(s)://HOST.
func loginLinkBase(public, addr string) (string, error) {
	if public == "" {
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return "", fmt.Errorf("SESAME_ADDR %q is not HOST:PORT; pass --base-url", addr)
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		public = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(public)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--base-url %q must be an http:// or https:// URL with a host, e.g. https://sesame.example.org", public)
	}
	return strings.TrimRight(public, "/"), nil
}
