package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
)

// `sesame partner …`: operators register partners and manage their API keys.

func init() {
	register(&command{name: "partner add", summary: "register a partner and print its first API key (shown once)", run: runPartnerAdd})
	register(&command{name: "partner list", summary: "list partners and their keys (ids only)", run: runPartnerList})
	register(&command{name: "partner rotate", summary: "issue a partner a new API key; older keys end after --grace", run: runPartnerRotate})
	register(&command{name: "partner revoke", summary: "revoke a partner's keys (all, or one with --key)", run: runPartnerRevoke})
	register(&command{name: "partner update", summary: "change a partner's name, redirect URIs, rate limit, or disable it", run: runPartnerUpdate})
}

func runPartnerUpdate(ctx context.Context, args []string) error {
	fs := newFlags("partner update", "[--db PATH] [--name NAME] [--redirect-uri URI]... [--rate N] [--burst N] [--disable | --enable] PARTNER")
	dsn := dbFlag(fs)
	name := fs.String("name", "", "new display `NAME`")
	var redirects stringList
	fs.Var(&redirects, "redirect-uri", "replace the redirect URIs with these (repeatable)")
	rate := fs.Float64("rate", -1, "requests per second (0: the default)")
	burst := fs.Int("burst", -1, "requests in a burst (0: the default)")
	disable := fs.Bool("disable", false, "refuse every key of the partner from now on")
	enable := fs.Bool("enable", false, "accept the partner's live keys again")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*disable && *enable) {
		return usageError(fs, "give the PARTNER id (and at most one of --disable, --enable)")
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	p, err := ts.Partners.Partner(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if *name != "" {
		p.Name = *name
	}
	if len(redirects) > 0 {
		for _, u := range redirects {
			if err := auth.ValidRedirectURI(u); err != nil {
				return err
			}
		}
		p.RedirectURIs = redirects
	}
	if *rate >= 0 {
		p.RatePerSecond = *rate
	}
	if *burst >= 0 {
		p.Burst = *burst
	}
	if p.RatePerSecond > 100000 || p.Burst > 100000 {
		return usageError(fs, "--rate and --burst must be at most 100000")
	}
	switch {
	case *disable:
		p.DisabledAt = time.Now().UTC()
	case *enable:
		p.DisabledAt = time.Time{}
	}
	if err := ts.Partners.UpdatePartner(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "updated %s; servers apply it from the next request\n", p.ID)
	return nil
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runPartnerAdd(ctx context.Context, args []string) error {
	fs := newFlags("partner add", "[--db PATH] [--id ID] [--redirect-uri URI]... [--rate N] [--burst N] NAME")
	dsn := dbFlag(fs)
	id := fs.String("id", "", "the partner's `ID` in the API (default: NAME in lower case with '-' for spaces)")
	var redirects stringList
	fs.Var(&redirects, "redirect-uri", "a `URI` the person's browser may return to after a consent request (repeatable; exact match)")
	rate := fs.Float64("rate", 0, "requests per second allowed (0: the default, 20)")
	burst := fs.Int("burst", 0, "requests allowed in a burst (0: the default, 40)")
	asJSON := fs.Bool("json", false, "print the partner and key as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give the partner's NAME (quote it if it has spaces)")
	}
	name := fs.Arg(0)
	if *id == "" {
		*id = strings.ToLower(strings.Join(strings.Fields(name), "-"))
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	p := &sesame.Partner{ID: *id, Name: name, RedirectURIs: redirects, RatePerSecond: *rate, Burst: *burst}
	key, err := (&auth.Partners{Store: ts.Partners}).Register(ctx, p)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"partner": p, "api_key": key})
	}
	fmt.Fprintf(os.Stderr, "registered partner %s (%s); its API key follows, shown once: Sesame stores only its hash\n", p.ID, p.Name)
	fmt.Println(key)
	return nil
}

func runPartnerList(ctx context.Context, args []string) error {
	fs := newFlags("partner list", "[--db PATH] [--json]")
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	ps, err := ts.Partners.Partners(ctx)
	if err != nil {
		return err
	}
	type row struct {
		*sesame.Partner
		Keys []*sesame.PartnerKey `json:"keys"`
	}
	var rows []row
	for _, p := range ps {
		ks, err := ts.Partners.PartnerKeys(ctx, p.ID)
		if err != nil {
			return err
		}
		rows = append(rows, row{p, ks})
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(rows)
	}
	now := time.Now()
	for _, r := range rows {
		live := 0
		for _, k := range r.Keys {
			if k.Live(now) {
				live++
			}
		}
		fmt.Printf("%-20s %-30s keys: %d live of %d  redirects: %s\n", r.ID, r.Name, live, len(r.Keys), strings.Join(r.RedirectURIs, " "))
	}
	return nil
}

func runPartnerRotate(ctx context.Context, args []string) error {
	fs := newFlags("partner rotate", "[--db PATH] [--grace DURATION] PARTNER")
	dsn := dbFlag(fs)
	grace := fs.Duration("grace", 24*time.Hour, "how long the older keys keep working (0: revoke them now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give the PARTNER id")
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	key, err := (&auth.Partners{Store: ts.Partners}).Rotate(ctx, fs.Arg(0), *grace)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "new key for %s, shown once; older keys end in %s\n", fs.Arg(0), *grace)
	fmt.Println(key)
	return nil
}

func runPartnerRevoke(ctx context.Context, args []string) error {
	fs := newFlags("partner revoke", "[--db PATH] [--key KEYID] PARTNER")
	dsn := dbFlag(fs)
	keyID := fs.String("key", "", "revoke only this key `ID` (the 12 hex digits after ssk_)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give the PARTNER id")
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	ps := &auth.Partners{Store: ts.Partners}
	if *keyID != "" {
		err = ps.RevokeKey(ctx, fs.Arg(0), *keyID)
	} else {
		err = ps.RevokeKeys(ctx, fs.Arg(0))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "revoked; effective at once\n")
	return nil
}
