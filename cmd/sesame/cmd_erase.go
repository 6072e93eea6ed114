package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"sort"
	"time"
)

// `sesame person erase PERSON`: an operator carries out a person's request
// for erasure made outside the portal and the API.

func init() {
	register(&command{name: "person erase", summary: "erase everything held about a person; the access log keeps only hashes", run: runPersonErase})
}

func runPersonErase(ctx context.Context, args []string) error {
	fs := newFlags("person erase", "[--db PATH] [--actor NAME] [--json] --yes PERSON")
	dsn := dbFlag(fs)
	actor := actorFlag(fs)
	yes := fs.Bool("yes", false, "confirm: erasure cannot be undone")
	asJSON := fs.Bool("json", false, "print the receipt as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) == "" {
		return usageError(fs, "give the PERSON id")
	}
	if !*yes {
		return usageError(fs, "erasure cannot be undone: pass --yes to erase "+fs.Arg(0))
	}
	if *actor == "" {
		if u, err := user.Current(); err == nil && u.Username != "" {
			*actor = u.Username
		} else if *actor = os.Getenv("USER"); *actor == "" {
			return fmt.Errorf("cannot tell who is erasing for the access log: pass --actor NAME")
		}
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.Eraser().ErasePerson(ctx, fs.Arg(0), "operator:"+*actor, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	fmt.Printf("erased %s: receipt %s, access-log entry %d\n", fs.Arg(0), r.Receipt, r.AccessSeq)
	kinds := make([]string, 0, len(r.Deleted))
	for k := range r.Deleted {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Printf("  %-18s %d\n", k, r.Deleted[k])
	}
	fmt.Printf("  %-18s %d (kept as hashes)\n", "access entries", r.AccessErased)
	return nil
}
