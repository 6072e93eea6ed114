package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/policy"
)

// `sesame decision …`: show and replay stored decisions.

func init() {
	register(&command{name: "decision replay", summary: "re-execute a stored decision with its policy version and input, and compare", run: runDecisionReplay})
	register(&command{name: "decision show", summary: "print a stored decision with its input and versions", run: runDecisionShow})
}

func runDecisionReplay(ctx context.Context, args []string) error {
	fs := newFlags("decision replay", "[--db PATH] ID")
	dsn := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give the decision ID")
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	d, replayed, same, err := policy.Replay(ctx, ts.Decisions, fs.Arg(0))
	if err != nil {
		return err
	}
	if err := logOperatorRead(ctx, ts, d.Person, "decision replay "+d.ID); err != nil {
		return err
	}
	fmt.Printf("decision %s: product %s, policy %s, model %s\nstored:   %s\nreplayed: %s\n", d.ID, d.Product, d.PolicyVersion[:12], d.ModelVersion, d.Raw, replayed)
	if !same {
		return errors.New("the replay differs from the stored result")
	}
	fmt.Println("identical")
	return nil
}

func runDecisionShow(ctx context.Context, args []string) error {
	fs := newFlags("decision show", "[--db PATH] ID")
	dsn := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give the decision ID")
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	d, err := ts.Decisions.Decision(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if err := logOperatorRead(ctx, ts, d.Person, "decision show "+d.ID); err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// logOperatorRead records an operator's look at a person's decision in the
// access log, like anyone else's: the person sees it.
func logOperatorRead(ctx context.Context, ts *trustStores, person, what string) error {
	who := os.Getenv("USER")
	if who == "" {
		who = "cli"
	}
	gate := &consent.Gate{Audit: &audit.Recorder{Log: ts.AccessLog}}
	return gate.OperatorRead(ctx, who, person, what)
}
