package main

import (
	"context"
	"os/user"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame/sqlite"
)

// TestCLIReadsAreLogged: `sesame events` writes the read to the person's
// access log before printing, naming --actor, or else the OS user.
func TestCLIReadsAreLogged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cli.db")
	ctx := context.Background()
	if code := run(ctx, []string{"migrate", "--db", path}); code != 0 {
		t.Fatalf("migrate: exit %d", code)
	}
	if code := run(ctx, []string{"events", "--db", path, "--actor", "alice", "p1"}); code != 0 {
		t.Fatalf("events --actor: exit %d", code)
	}
	if code := run(ctx, []string{"events", "--db", path, "p1"}); code != 0 {
		t.Fatalf("events: exit %d", code)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	es, err := db.AccessLog().AccessEntries(ctx, "p1", 10)
	if err != nil || len(es) != 2 {
		t.Fatalf("p1's access log: %+v %v, want two reads", es, err)
	}
	u, err := user.Current()
	if err != nil {
		t.Skip("no OS user to compare with")
	}
	if es[1].Actor != "cli:alice" || es[0].Actor != "cli:"+u.Username || es[0].Reason != "events" {
		t.Fatalf("actors %q and %q, want cli:alice then cli:%s", es[1].Actor, es[0].Actor, u.Username)
	}
}
