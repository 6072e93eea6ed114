package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sesame-credit/sesame/credential"
)

// `sesame verify TOKEN`: check a credential. With --jwks (a file or an
// http(s) URL of /.well-known/jwks.json) it is fully offline and cannot know
// about revocation; without, it reads the keys and the revocation records
// from the local database.

func init() {
	register(&command{name: "verify", summary: "verify a credential (offline with --jwks)", run: runVerify})
}

// maxJWKSBytes bounds a fetched key set or status list: a real key set is
// a few hundred bytes a key, a status list a few KiB.
const maxJWKSBytes = 4 << 20

func runVerify(ctx context.Context, args []string) error {
	fs := newFlags("verify", "[--jwks FILE|URL [--status-list FILE|URL] [--max-age D] | --db PATH] [--json] TOKEN|LINK")
	jwksArg := fs.String("jwks", envOr("SESAME_JWKS", ""), "public keys: a JWKS `FILE` or http(s) URL (env SESAME_JWKS); without it the keys and revocations of --db are used")
	statusArg := fs.String("status-list", "", "with --jwks: the issuer's revocation status list, a `FILE` or http(s) URL (BASE/statuslists/1), to check revocation offline")
	maxAge := fs.Duration("max-age", time.Hour, "with --status-list: the oldest status list to trust")
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give exactly one credential (the token, or a /verify?c=… link)")
	}
	token := tokenOf(fs.Arg(0))

	var res credential.Result
	if *jwksArg != "" {
		set, err := loadJWKS(ctx, *jwksArg)
		if err != nil {
			return err
		}
		res = credential.Verify(token, set, time.Now())
		if *statusArg != "" {
			list, err := fetch(ctx, *statusArg, "the status list")
			if err != nil {
				return err
			}
			res = credential.CheckStatus(res, string(list), set, time.Now(), *maxAge)
		}
	} else {
		if *statusArg != "" {
			return usageError(fs, "--status-list goes with --jwks (offline); with --db revocation is read from the database")
		}
		// Opening a missing SQLite file would create an empty database and
		// then call every credential unknown: say what to pass instead.
		if !strings.Contains(*dsn, "://") {
			if _, err := os.Stat(*dsn); err != nil {
				return fmt.Errorf("no database at %s: pass --jwks with the issuer's /.well-known/jwks.json (URL or file), or --db", *dsn)
			}
		}
		st, err := openStore(ctx, *dsn)
		if err != nil {
			return err
		}
		defer st.Close()
		// Verification needs no private key, hence no KEK.
		svc := &credential.Service{Store: st.Credentials()}
		if res, err = svc.Verify(ctx, token); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printVerdict(os.Stdout, res)
	}
	if !res.Valid {
		return fmt.Errorf("credential rejected: %s", res.Reason)
	}
	return nil
}

// tokenOf accepts the token itself or a verify link that carries it.
func tokenOf(arg string) string {
	arg = strings.TrimSpace(arg)
	if u, err := url.Parse(arg); err == nil && u.Scheme != "" {
		if c := u.Query().Get("c"); c != "" {
			return c
		}
	}
	return arg
}

// loadJWKS reads the issuer's published keys, with each key's signing
// window (nbf/exp): a token whose iat falls outside it is refused.
func loadJWKS(ctx context.Context, where string) (credential.PublishedKeys, error) {
	body, err := fetch(ctx, where, "the keys")
	if err != nil {
		return credential.PublishedKeys{}, err
	}
	var set credential.PublishedKeys
	if err := json.Unmarshal(body, &set); err != nil {
		return credential.PublishedKeys{}, fmt.Errorf("%s is not a JWKS: %w", where, err)
	}
	return set, nil
}

// fetch reads a file, or an http(s) URL within 10 s and maxJWKSBytes.
func fetch(ctx context.Context, where, what string) ([]byte, error) {
	if !strings.HasPrefix(where, "http://") && !strings.HasPrefix(where, "https://") {
		return os.ReadFile(where)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", what, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s from %s: %s", what, where, res.Status)
	}
	return io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes))
}

func printVerdict(w io.Writer, res credential.Result) {
	switch {
	case res.Valid && res.RevocationChecked:
		fmt.Fprintln(w, "VALID:", res.Detail)
	case res.Valid:
		fmt.Fprintln(w, "VALID (offline: signature, key and dates hold; revocation could not be checked)")
	default:
		fmt.Fprintf(w, "INVALID (%s): %s\n", res.Reason, res.Detail)
	}
	if c := res.Claims; c != nil {
		st := c.Statement
		what := "band at least " + string(st.Band)
		if st.Kind == credential.KindScore {
			what = fmt.Sprintf("score %d (%s)", st.Score, st.Band)
		}
		fmt.Fprintf(w, "  statement:  %s, as of %s\n", what, st.AsOf)
		fmt.Fprintf(w, "  person:     %s\n", c.Subject)
		fmt.Fprintf(w, "  issued:     %s by %s\n", c.IssuedTime().Format(time.RFC3339), c.Issuer)
		fmt.Fprintf(w, "  expires:    %s\n", c.ExpiryTime().Format(time.RFC3339))
	}
	if res.KID != "" {
		fmt.Fprintf(w, "  key:        %s\n", res.KID)
	}
	if res.Claims != nil && !res.RevocationChecked && res.Reason != credential.StatusUnknown {
		fmt.Fprintln(w, "  revocation: NOT CHECKED (offline); pass --status-list BASE/statuslists/1, or open the issuer's /verify link")
	}
}
