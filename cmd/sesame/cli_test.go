package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// captureStderr runs fn with os.Stderr redirected and returns what it wrote.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	fn()
	w.Close()
	os.Stderr = old
	return <-done
}

// runCLI runs sesame with args and returns its exit code and standard error.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var code int
	stderr := captureStderr(t, func() { code = run(context.Background(), args) })
	return code, stderr
}

func assertNoFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists after the command (err %v); it must not be created", path, err)
	}
}

// TestReadCommandsRefuseMissingDatabase: a mistyped --db fails, names the
// path and leaves no file, for every command that only reads or configures.
func TestReadCommandsRefuseMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.db")
	for _, args := range [][]string{
		{"events", "--db", typo, "p00000001"},
		{"score", "--db", typo, "p00000001"},
		{"tips", "--db", typo, "p00000001"},
		{"rescore", "--db", typo},
		{"model", "list", "--db", typo},
		{"partner", "list", "--db", typo},
		{"consent", "list", "--db", typo, "p00000001"},
		{"audit", "verify", "--db", typo},
		{"policy", "list", "--db", typo},
		{"credential", "keys", "--db", typo},
		{"dataset", "build", "--db", typo, "--as-of", "2025-01-01", "--out", filepath.Join(dir, "x.csv")},
		{"backup", "--db", typo, "--out", filepath.Join(dir, "backup")},
	} {
		code, stderr := runCLI(t, args...)
		if code == 0 {
			t.Errorf("%v: exit 0 on a missing database", args)
		}
		if !strings.Contains(stderr, "no database at "+typo) {
			t.Errorf("%v: stderr %q does not say %q", args, stderr, "no database at "+typo)
		}
		assertNoFile(t, typo)
	}
}

// TestCreatingCommandsCreateTheDatabase: migrate makes a database that the
// read commands then accept; a missing directory is named, not a pragma.
func TestCreatingCommandsCreateTheDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "new.db")
	if code, stderr := runCLI(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, stderr)
	}
	if code, stderr := runCLI(t, "events", "--db", db, "p00000001"); code != 0 {
		t.Errorf("events on a migrated database: exit %d: %s", code, stderr)
	}
	missingDir := filepath.Join(dir, "nodir", "x.db")
	code, stderr := runCLI(t, "migrate", "--db", missingDir)
	if code == 0 || !strings.Contains(stderr, "no directory "+filepath.Join(dir, "nodir")) || strings.Contains(stderr, "PRAGMA") {
		t.Errorf("migrate into a missing directory: exit %d, stderr %q", code, stderr)
	}
}

// TestFlagsAfterArguments: flags work on either side of the positional
// arguments; "--" ends the flags; a bad flag anywhere is a usage error.
func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	if code, stderr := runCLI(t, "simulate", "--db", db, "--people", "20"); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, stderr)
	}
	var code int
	out := captureStdout(t, func() {
		code = run(context.Background(), []string{"events", "p00000001", "--db", db, "--limit", "2", "--json"})
	})
	if code != 0 {
		t.Fatalf("events PERSON --db … --limit 2: exit %d", code)
	}
	if lines := strings.Count(out, "\n"); lines != 2 {
		t.Errorf("events with --limit 2 after the person printed %d lines, want 2:\n%s", lines, out)
	}
	if code, stderr := runCLI(t, "events", "p00000001", "--db", db, "--no-such-flag"); code != 2 || !strings.Contains(stderr, "no-such-flag") {
		t.Errorf("unknown flag after the argument: exit %d, stderr %q", code, stderr)
	}
	// After "--", a dash-led word is an argument: events then sees two people.
	if code, _ := runCLI(t, "events", "--db", db, "--", "p00000001", "--limit"); code != 2 {
		t.Errorf("events -- p --limit: exit %d, want 2 (two positional arguments)", code)
	}
}

// TestCLIErrorsNameTheMistake covers the defects of issue 23 one by one.
func TestCLIErrorsNameTheMistake(t *testing.T) {
	dir := t.TempDir()
	t.Run("help of an unknown command", func(t *testing.T) {
		code, stderr := runCLI(t, "help", "nosuch")
		if code != 2 || !strings.Contains(stderr, `unknown command "nosuch"`) || strings.Contains(stderr, "--help") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("unknown command before a person id", func(t *testing.T) {
		code, stderr := runCLI(t, "nosuch", "p00000001")
		if code != 2 || !strings.Contains(stderr, `unknown command "nosuch"`) {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("ingest of a missing file", func(t *testing.T) {
		db := filepath.Join(dir, "ingest.db")
		var code int
		var stderr string
		stdout := captureStdout(t, func() {
			stderr = captureStderr(t, func() {
				code = run(context.Background(), []string{"ingest", "--db", db, filepath.Join(dir, "missing.ndjson")})
			})
		})
		if code != 1 || !strings.Contains(stderr, "missing.ndjson: no such file") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		if strings.Contains(stdout+stderr, "0 events") || strings.Contains(stdout+stderr, "records") {
			t.Errorf("a summary was printed before the error: %q %q", stdout, stderr)
		}
		assertNoFile(t, db)
	})
	t.Run("serve with a bad address", func(t *testing.T) {
		db := filepath.Join(dir, "serve.db")
		code, stderr := runCLI(t, "serve", "--db", db, "--addr", "bad")
		if code != 2 || !strings.Contains(stderr, `--addr: "bad" is not HOST:PORT`) {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		if strings.Contains(stderr, "operator token") {
			t.Errorf("an operator token was made before the address was checked: %q", stderr)
		}
		assertNoFile(t, db)
	})
}

// TestProgressLine: the total, the share done, the rate and the time left,
// with the parts not yet known left out.
func TestProgressLine(t *testing.T) {
	for _, c := range []struct {
		n     int
		total int64
		rate  float64
		want  string
	}{
		{3983, -1, 0, "rescore: 3,983 people"},
		{3983, 100000, 0, "rescore: 3,983 of 100,000 people (4.0%)"},
		{50000, 100000, 1000, "rescore: 50,000 of 100,000 people (50.0%), 1,000/s, 50s left"},
		{3983, -1, 1234.4, "rescore: 3,983 people, 1,234/s"},
	} {
		if got := progressLine("rescore", "people", c.n, c.total, c.rate); got != c.want {
			t.Errorf("progressLine(%d, %d, %v) = %q, want %q", c.n, c.total, c.rate, got, c.want)
		}
	}
}

// TestProgressRateFromFirstReport: a resumed job's first report (a large
// count at once) is not taken as work done in no time.
func TestProgressRateFromFirstReport(t *testing.T) {
	var out strings.Builder
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &countProgress{out: &out, what: "rescore", unit: "people", total: 200000, every: time.Second, now: func() time.Time { return clock }}
	p.set(100000) // resumed: already 100,000 done
	clock = clock.Add(10 * time.Second)
	p.set(110000)
	want := "rescore: 110,000 of 200,000 people (55.0%), 1,000/s, 1m30s left\n"
	if out.String() != want {
		t.Errorf("progress printed %q, want %q", out.String(), want)
	}
}

// TestVersion: a release build's version (set with -ldflags -X) is what
// `sesame version` prints and what /healthz answers.
func TestVersion(t *testing.T) {
	old := version
	version = "v9.8.7-test"
	t.Cleanup(func() { version = old })
	var code int
	out := captureStdout(t, func() { code = run(context.Background(), []string{"version"}) })
	if code != 0 || !strings.HasPrefix(out, "sesame v9.8.7-test (go") {
		t.Errorf("sesame version: exit %d, %q", code, out)
	}
	base := serveInProcess(t, "--db", filepath.Join(t.TempDir(), "v.db"), "--operator-token", "op")
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct{ Status, Version string }
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Status != "ok" || h.Version != "v9.8.7-test" {
		t.Errorf("/healthz: %+v (%v), want version v9.8.7-test", h, err)
	}
}
