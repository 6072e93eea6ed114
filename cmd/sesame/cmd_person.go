package main

import (
	"context"
	"fmt"
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
	base := fs.String("base-url", envOr("SESAME_PUBLIC_URL", "http://"+envOr("SESAME_ADDR", "127.0.0.1:8080")), "the server's public `URL` (env SESAME_PUBLIC_URL)")
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
	fmt.Println(strings.TrimRight(*base, "/") + "/portal/auth?token=" + url.QueryEscape(token))
	return nil
}
