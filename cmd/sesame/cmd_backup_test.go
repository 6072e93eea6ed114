package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame/sqlite"
)

// TestBackupAndRestore: `sesame backup` copies both files of a database
// whose reads were logged; `sesame restore` puts the copy in place of a
// lost database (never over one still there, never beside a stale WAL),
// where it holds the person's access log and `sesame audit verify` passes.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "live.db")
	for _, args := range [][]string{
		{"migrate", "--db", path},
		{"events", "--db", path, "--actor", "alice", "p1"},
		{"events", "--db", path, "--actor", "bob", "p1"},
	} {
		if code, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	backup := filepath.Join(dir, "backup")
	var code int
	out := captureStdout(t, func() { code = run(context.Background(), []string{"backup", "--db", path, "--out", backup}) })
	if code != 0 || !strings.Contains(out, "access log: 2 entries") || !strings.Contains(out, "verified") {
		t.Fatalf("backup: exit %d:\n%s", code, out)
	}

	// The live database is lost; the backup is put in its place, beside
	// a stale WAL of the lost one, which restore must not let SQLite replay.
	if code, stderr := runCLI(t, "restore", "--from", backup, "--db", path); code == 0 || !strings.Contains(stderr, "exists") {
		t.Fatalf("restore over a database still there: exit %d: %s", code, stderr)
	}
	restored := filepath.Join(t.TempDir(), "live.db")
	if err := os.WriteFile(restored+"-wal", []byte("a stale WAL of the lost database"), 0o600); err != nil {
		t.Fatal(err)
	}
	out = captureStdout(t, func() { code = run(context.Background(), []string{"restore", "--from", backup, "--db", restored}) })
	if code != 0 || !strings.Contains(out, "access log: 2 entries") {
		t.Fatalf("restore: exit %d:\n%s", code, out)
	}
	if b, _ := os.ReadFile(restored + "-wal"); strings.Contains(string(b), "stale") {
		t.Fatal("the stale WAL is still beside the restored database")
	}
	if code, stderr := runCLI(t, "audit", "verify", "--db", restored); code != 0 {
		t.Fatalf("audit verify on the restored database: exit %d: %s", code, stderr)
	}
	db, err := sqlite.Open(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// audit verify read the log as an operator tool, not a person's data:
	// the two reads before the backup are what p1's log holds.
	if es, err := db.AccessLog().AccessEntries(context.Background(), "p1", 10); err != nil || len(es) != 2 || es[0].Actor != "cli:bob" {
		t.Fatalf("p1's access log after the restore: %+v %v", es, err)
	}

	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"backup", "--db", path, "--out", backup}, "exists"},
		{[]string{"backup", "--db", path}, "--out"},
		{[]string{"backup", "--db", "postgres://127.0.0.1/test", "--out", filepath.Join(dir, "pg")}, "pg_basebackup"},
		{[]string{"restore", "--db", filepath.Join(dir, "new.db"), "--from", t.TempDir()}, "holds no backup"},
		{[]string{"restore", "--db", "postgres://127.0.0.1/test", "--from", backup}, "base backup"},
	} {
		if code, stderr := runCLI(t, c.args...); code == 0 || !strings.Contains(stderr, c.says) {
			t.Errorf("%v: exit %d, stderr %q; want a failure saying %q", c.args, code, stderr, c.says)
		}
	}
}
