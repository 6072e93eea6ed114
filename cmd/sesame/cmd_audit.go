package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/sesame-credit/sesame/audit"
)

// `sesame audit verify`: check the access log's hash chain.

func init() {
	register(&command{name: "audit verify", summary: "verify the access log's hash chain; report edited, removed or reordered entries", run: runAuditVerify})
}

func runAuditVerify(ctx context.Context, args []string) error {
	fs := newFlags("audit verify", "[--db PATH] [--head HASH] [--json]")
	dsn := dbFlag(fs)
	head := fs.String("head", "", "a head `HASH` printed by an earlier run: it must still be in the chain (detects a cut tail)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	r, err := audit.Verify(ctx, ts.AccessLog, *head)
	if err != nil {
		return err
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(r)
	} else {
		for _, p := range r.Problems {
			fmt.Printf("entry %d: %s: %s\n", p.Seq, p.Kind, p.Detail)
		}
		fmt.Printf("%d entries; head %s\n", r.Entries, r.Head)
	}
	if !r.OK {
		return fmt.Errorf("the access log has been tampered with: %d problems", len(r.Problems))
	}
	if !*asJSON {
		fmt.Println("chain intact (keep the head: `--head` detects a removed tail later)")
	}
	return nil
}
