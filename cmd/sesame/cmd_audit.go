package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// `sesame audit verify`: check the access log — its entries, its Merkle
// tree and its signed heads, and heads published earlier.

func init() {
	register(&command{name: "audit verify", summary: "verify the access log: entries, tree and signed heads; report every entry that no longer verifies", run: runAuditVerify})
	register(&command{name: "audit rotate-key", summary: "replace the key that signs the access log's heads; the old key vouches for the new one", run: runAuditRotateKey})
}

// runAuditRotateKey rotates the head-signing key: auditors who pin the old
// key (--key) follow the rotation's head to the new one.
func runAuditRotateKey(ctx context.Context, args []string) error {
	fs := newFlags("audit rotate-key", "[--db PATH|URL] [--access-key FILE]")
	dsn := dbFlag(fs)
	keyFile := fs.String("access-key", envOr("SESAME_ACCESS_KEY_FILE", ""), "the `FILE` holding the key that signs the heads (default: DB.access-key on SQLite)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *keyFile == "" {
		if isPostgresURL(*dsn) {
			return flagError(fs, "--access-key: name the key file the servers sign with")
		}
		*keyFile = *dsn + ".access-key"
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	h, err := audit.RotateKeyFile(ctx, ts.AccessLog, *keyFile, time.Now())
	if err != nil {
		return err
	}
	fmt.Printf("rotated at a head of %d entries signed %s\n  old key %s\n  new key %s (in %s)\n",
		h.Size, h.At.Format(time.RFC3339), h.PublicKey, h.NextKey, *keyFile)
	fmt.Println("restart every server with the new key file (until then they sign with the old key, which stays trusted);")
	fmt.Println("auditors who pin the old key with sesame audit verify --key follow the rotation to the new one")
	return nil
}

func runAuditVerify(ctx context.Context, args []string) error {
	fs := newFlags("audit verify", "[--db PATH|URL] [--heads URL|FILE]... [--key KEY] [--head HASH] [--json]")
	dsn := dbFlag(fs)
	var o audit.Options
	fs.StringVar(&o.ExpectHead, "head", "", "an entry `HASH` printed by an earlier run: it must still be in the chain (detects a cut tail)")
	var sources []string
	fs.Func("heads", "signed heads published earlier, to check the log still extends: a server's /v1/access-log/heads `URL`, or a FILE of heads as JSON (one, a list, or one per line); repeatable", func(v string) error {
		sources = append(sources, v)
		return nil
	})
	fs.StringVar(&o.TrustedKey, "key", "", "the only public `KEY` (base64 Ed25519, as heads show it) heads may be signed with")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, src := range sources {
		hs, err := readHeads(ctx, src)
		if err != nil {
			return usageError(fs, fmt.Sprintf("--heads %s: %v", src, err))
		}
		o.Published = append(o.Published, hs...)
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	r, err := audit.Verify(ctx, ts.AccessLog, o)
	if err != nil {
		return err
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(r)
	} else {
		for _, p := range r.Problems {
			fmt.Printf("entry %d: %s: %s\n", p.Seq, p.Kind, p.Detail)
		}
		fmt.Printf("%d entries; head %s; root %s; %d signed heads checked\n", r.Entries, r.Head, r.Root, r.Heads)
		// The key rotations, oldest first: what an auditor's pin follows.
		heads, err := ts.AccessLog.AccessHeads(ctx, 0)
		if err != nil {
			return err
		}
		for _, h := range slices.Backward(heads) {
			if h.NextKey != "" {
				fmt.Printf("key rotated at the head of %d entries signed %s: %s → %s\n", h.Size, h.At.Format(time.RFC3339), h.PublicKey, h.NextKey)
			}
		}
	}
	if !r.OK {
		return fmt.Errorf("the access log has been tampered with: %d problems", len(r.Problems))
	}
	if !*asJSON {
		fmt.Println("log intact (keep its signed heads: `--heads` detects a rollback or a rewritten history later)")
	}
	return nil
}

// readHeads reads signed heads from a URL or a file: JSON values one after
// another, each a head, a list of heads, or an object with "head" or
// "heads" (what the server's endpoints answer).
func readHeads(ctx context.Context, src string) ([]*sesame.SignedHead, error) {
	var r io.Reader
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", src, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("answered %s", resp.Status)
		}
		r = resp.Body
	} else {
		f, err := os.Open(src)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var out []*sesame.SignedHead
	dec := json.NewDecoder(r)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		var wrapped struct {
			Head  *sesame.SignedHead   `json:"head"`
			Heads []*sesame.SignedHead `json:"heads"`
		}
		var list []*sesame.SignedHead
		var one sesame.SignedHead
		switch {
		case json.Unmarshal(raw, &list) == nil:
			out = append(out, list...)
		case json.Unmarshal(raw, &wrapped) == nil && (wrapped.Head != nil || wrapped.Heads != nil):
			if len(wrapped.Heads) == 0 {
				out = append(out, wrapped.Head) // heads, when given, hold the latest too
			}
			out = append(out, wrapped.Heads...)
		case json.Unmarshal(raw, &one) == nil && one.Signature != "":
			out = append(out, &one)
		default:
			return nil, errors.New("not a signed head, a list of them, or an object with head or heads")
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no signed heads in it")
	}
	return out, nil
}
