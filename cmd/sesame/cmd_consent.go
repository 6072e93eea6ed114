package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/consent"
)

// `sesame consent …`: an operator's view of consents, and a grant for demos
// and scripts (recorded as if the person made it: use only with their say-so).

func init() {
	register(&command{name: "consent list", summary: "list a person's consents (live, or --all)", run: runConsentList})
	register(&command{name: "consent grant", summary: "record a person's consent to a partner (demos and scripts)", run: runConsentGrant})
	register(&command{name: "consent revoke", summary: "revoke a person's consent", run: runConsentRevoke})
}

func consentService(ctx context.Context, dsn string) (*consent.Service, func(), error) {
	ts, err := openTrust(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	return &consent.Service{Store: ts.Consents, Partners: ts.Partners}, func() { ts.Close() }, nil
}

func runConsentList(ctx context.Context, args []string) error {
	fs := newFlags("consent list", "[--db PATH] [--all] [--json] PERSON")
	dsn := dbFlag(fs)
	all := fs.Bool("all", false, "include revoked and expired consents")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give the PERSON id")
	}
	svc, done, err := consentService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer done()
	cs, err := svc.List(ctx, fs.Arg(0), *all)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(cs)
	}
	for _, c := range cs {
		state := "live"
		if !c.RevokedAt.IsZero() {
			state = "revoked"
		} else if !c.Live(time.Now()) {
			state = "expired"
		}
		fmt.Printf("%s  %-16s %-15s %-9s until %s  %s\n", c.ID, c.Partner, c.Purpose, c.Scope, c.ExpiresAt.Format(time.DateOnly), state)
	}
	return nil
}

func runConsentGrant(ctx context.Context, args []string) error {
	fs := newFlags("consent grant", "[--db PATH] --purpose P --scope S [--threshold N,…] [--badge CLAIM] [--days N] PERSON PARTNER")
	dsn := dbFlag(fs)
	purpose := fs.String("purpose", "", sesame.PurposeList)
	scope := fs.String("scope", "threshold", "threshold, score or full")
	days := fs.Int("days", 90, "days until the consent expires (1–732)")
	badge := fs.String("badge", "", "for --purpose social_badge: what the platform may see, band_at_least:BAND or verified_clean")
	thresholdList := fs.String("threshold", "", "threshold scope: the `SCORES` the partner may ask about, comma-separated (e.g. 650 or 600,650)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var thresholds []int
	if *thresholdList != "" {
		var err error
		if thresholds, err = sesame.ParseThresholds(*thresholdList); err != nil {
			return usageError(fs, "--threshold: give whole scores separated by commas, e.g. 600,650")
		}
	}
	if fs.NArg() != 2 {
		return usageError(fs, "give PERSON and PARTNER")
	}
	if *days < 1 || *days > 732 {
		return usageError(fs, "--days must lie in 1–732")
	}
	if sesame.Purpose(*purpose).BadgeOnly() != (*badge != "") {
		return usageError(fs, "give --badge with --purpose social_badge, and only then")
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	svc := &consent.Service{Store: ts.Consents, Partners: ts.Partners}
	var claim sesame.BadgeClaim
	if *badge != "" {
		if claim, err = sesame.ParseBadgeClaim(*badge); err != nil {
			return err
		}
	}
	c, err := svc.Grant(ctx, fs.Arg(0), fs.Arg(1), sesame.Purpose(*purpose), sesame.Scope(*scope), time.Now().Add(time.Duration(*days)*24*time.Hour), thresholds)
	if err != nil {
		return err
	}
	if *badge != "" {
		if err := ts.Record.SetBadge(ctx, &sesame.BadgeChoice{Person: c.Person, Partner: c.Partner, Claim: claim, ChosenAt: c.GrantedAt}); err != nil {
			return err
		}
	}
	fmt.Println(c.ID)
	return nil
}

func runConsentRevoke(ctx context.Context, args []string) error {
	fs := newFlags("consent revoke", "[--db PATH] PERSON CONSENT")
	dsn := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError(fs, "give PERSON and the CONSENT id")
	}
	svc, done, err := consentService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer done()
	return svc.Revoke(ctx, fs.Arg(0), fs.Arg(1))
}
