package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/sqlite"
)

// TestAuditRotateKey: after `sesame audit rotate-key` the key file holds a
// new key; heads it signs pass `audit verify --key` pinned to the old key,
// which vouched for it, while a pin to the new key alone cannot vouch for
// the heads signed before.
func TestAuditRotateKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, keyFile := filepath.Join(dir, "s.db"), filepath.Join(dir, "s.db.access-key")
	for _, args := range [][]string{{"migrate", "--db", path}, {"events", "--db", path, "--actor", "alice", "p1"}} {
		if code, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	signWithFile := func(at time.Time) string {
		t.Helper()
		key, err := audit.LoadOrCreateKey(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := audit.SignNow(ctx, db.AccessLog(), key, at); err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	}
	old := signWithFile(time.Now().Add(-time.Hour))

	if code, stderr := runCLI(t, "audit", "rotate-key", "--db", path); code != 0 {
		t.Fatalf("rotate-key: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(keyFile + ".next"); err == nil {
		t.Error("the staged key is left beside the key file")
	}
	if code, stderr := runCLI(t, "events", "--db", path, "--actor", "bob", "p1"); code != 0 {
		t.Fatalf("events: exit %d: %s", code, stderr)
	}
	next := signWithFile(time.Now().Add(time.Minute))
	if next == old {
		t.Fatal("the key file still holds the old key")
	}
	var code int
	out := captureStdout(t, func() { code = run(ctx, []string{"audit", "verify", "--db", path, "--key", old}) })
	if code != 0 || !strings.Contains(out, "key rotated at the head of 1 entries") || !strings.Contains(out, old+" → "+next) {
		t.Fatalf("verify pinned to the old key, across the rotation: exit %d:\n%s", code, out)
	}
	code, stderr := runCLI(t, "audit", "verify", "--db", path, "--key", next)
	if code == 0 || !strings.Contains(stderr, "tampered") {
		t.Fatalf("verify pinned to the new key alone: exit %d: %s; want the heads before the rotation untrusted", code, stderr)
	}
	if code, stderr := runCLI(t, "audit", "rotate-key", "--db", "postgres://127.0.0.1/test"); code == 0 || !strings.Contains(stderr, "--access-key") {
		t.Fatalf("rotate-key on PostgreSQL without a key file: exit %d: %s", code, stderr)
	}
}
