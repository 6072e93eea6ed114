package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/sqlite"
)

// runCaptured runs fn with os.Stdout redirected and returns what it printed.
func runCaptured(t *testing.T, fn func() int) (string, int) {
	t.Helper()
	r, w, _ := os.Pipe()
	old := os.Stdout
	os.Stdout = w
	code := fn()
	w.Close()
	os.Stdout = old
	b := make([]byte, 1<<20)
	n, _ := r.Read(b)
	return string(b[:n]), code
}

// TestTrustCommands runs the partner, consent, policy, decision and audit
// commands on one database, as an operator would.
func TestTrustCommands(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "s.db")
	// Only the commands that load data create a database.
	if _, code := runCaptured(t, func() int { return run(ctx, []string{"migrate", "--db", dbPath}) }); code != 0 {
		t.Fatalf("migrate: exit %d", code)
	}
	// The docs' order: flags after the partner's name.
	out, code := runCaptured(t, func() int {
		return run(ctx, []string{"partner", "add", "--db", dbPath, "Acme Bank", "--redirect-uri", "https://acme.example/cb"})
	})
	if code != 0 || !strings.HasPrefix(out, "ssk_") {
		t.Fatalf("partner add: %d %q", code, out)
	}
	if _, code := runCaptured(t, func() int {
		return run(ctx, []string{"partner", "update", "--db", dbPath, "--rate", "5", "--burst", "10", "--redirect-uri", "https://acme.example/cb2", "acme-bank"})
	}); code != 0 {
		t.Fatal("partner update")
	}
	if out, code := runCaptured(t, func() int { return run(ctx, []string{"partner", "list", "--db", dbPath}) }); code != 0 || !strings.Contains(out, "cb2") {
		t.Fatalf("partner list after update: %d %q", code, out)
	}
	if out, code := runCaptured(t, func() int { return run(ctx, []string{"person", "login-link", "--db", dbPath, "p1"}) }); code != 0 || !strings.Contains(out, "/portal/auth?token=ssl_") {
		t.Fatalf("login-link: %d %q", code, out)
	}
	if _, code := runCaptured(t, func() int {
		return run(ctx, []string{"consent", "grant", "--db", dbPath, "--purpose", "loan", "--scope", "score", "p1", "acme-bank"})
	}); code != 0 {
		t.Fatal("consent grant")
	}
	// A social_badge consent needs the badge, and only it takes one.
	if _, code := runCaptured(t, func() int {
		return run(ctx, []string{"consent", "grant", "--db", dbPath, "--purpose", "social_badge", "p1", "acme-bank"})
	}); code == 0 {
		t.Fatal("a social_badge consent without --badge was granted")
	}
	if _, code := runCaptured(t, func() int {
		return run(ctx, []string{"consent", "grant", "--db", dbPath, "--purpose", "social_badge", "--badge", "verified_clean", "p1", "acme-bank"})
	}); code != 0 {
		t.Fatal("consent grant --badge")
	}
	// A decision made through the server's wiring, then replayed by the CLI.
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Scores().SaveScores(ctx, []*sesame.Score{{Person: "p1", Status: sesame.StatusScored, Score: 702, Band: sesame.BandOf(702), ModelVersion: "m", AsOf: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	tr, err := newTrust(ctx, sqliteTrust(db, nil), trustOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := db.Record().Badge(ctx, "p1", "acme-bank"); err != nil || b.Claim.Kind != sesame.BadgeVerifiedClean {
		t.Fatalf("the CLI's badge: %+v %v", b, err)
	}
	d, err := tr.Decider.Decide(ctx, "acme-bank", "p1", "personal_loan", 10000)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if out, code := runCaptured(t, func() int { return run(ctx, []string{"decision", "replay", "--db", dbPath, d.ID}) }); code != 0 || !strings.Contains(out, "identical") {
		t.Fatalf("replay: %d %q", code, out)
	}
	if out, code := runCaptured(t, func() int { return run(ctx, []string{"audit", "verify", "--db", dbPath}) }); code != 0 || !strings.Contains(out, "2 entries") {
		t.Fatalf("audit verify: %d %q", code, out)
	}
	// Tampering makes audit verify fail and say where.
	db, _ = sqlite.Open(ctx, dbPath)
	db.AccessWriter().Exec(`UPDATE access_log SET outcome = 'denied' WHERE seq = 1`)
	db.Close()
	if out, code := runCaptured(t, func() int { return run(ctx, []string{"audit", "verify", "--db", dbPath}) }); code != 1 || !strings.Contains(out, "entry 1: edited") {
		t.Fatalf("audit verify after tampering: %d %q", code, out)
	}
	// A bad policy file is refused with the line and column.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"id":"p","name":"P","purpose":"loan","policy_file":"p.cel"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "p.cel"), []byte("{\"decision\":\n  income * 2}"), 0o644)
	if _, code := runCaptured(t, func() int { return run(ctx, []string{"policy", "validate", filepath.Join(dir, "p.json")}) }); code != 1 {
		t.Fatalf("policy validate of a bad file: exit %d", code)
	}
	if out, code := runCaptured(t, func() int { return run(ctx, []string{"policy", "list", "--db", dbPath}) }); code != 0 || strings.Count(out, "\n") != 10 ||
		!strings.Contains(out, "fast_review ") || !strings.Contains(out, "social_badge ") {
		t.Fatalf("policy list: %d %q", code, out)
	}
}
