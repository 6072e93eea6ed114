package main

import (
	"context"
	"fmt"
	"os"
)

func init() {
	register(&command{name: "migrate", summary: "create the database, or bring its schema up to date", run: runMigrate})
}

// runMigrate creates the database if there is none and applies pending
// schema migrations: the step before a read command or a partner can be
// set up on a new deployment, and the explicit one before an upgrade.
func runMigrate(ctx context.Context, args []string) error {
	fs := newFlags("migrate", "[--db PATH|URL]")
	db := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return flagError(fs, fmt.Sprintf("unexpected argument %q (migrate takes flags only)", fs.Arg(0)))
	}
	st, err := createStore(ctx, *db)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "migrate: the database schema is up to date")
	return nil
}
