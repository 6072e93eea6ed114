package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ingest"
	"github.com/sesame-credit/sesame/ledgertest"
)

// captureStdout runs fn with os.Stdout redirected and returns what it printed.
func captureStdout(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	fn()
	w.Close()
	os.Stdout = old
	return <-done
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIngestAndEvents(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	rejects := filepath.Join(dir, "rejects.ndjson")
	ctx := context.Background()

	var ndjson strings.Builder
	for i := 0; i < 5; i++ {
		e := ledgertest.NewEvent("bank", "n"+string(rune('0'+i)), "alice", sesame.KindPaymentMade, ledgertest.Base.AddDate(0, 0, i), i)
		b, _ := json.Marshal(&e)
		ndjson.Write(b)
		ndjson.WriteByte('\n')
	}
	good := writeFile(t, filepath.Join(dir, "good.ndjson"), ndjson.String())

	// A gzipped CSV of another kind, with an unknown extension inside the .gz.
	e := ledgertest.NewEvent("power", "b1", "alice", sesame.KindBillIssued, ledgertest.Base, 1)
	h, row, _ := ingest.CSVRecord(&e)
	gzPath := filepath.Join(dir, "bills.csv.gz")
	f, _ := os.Create(gzPath)
	zw := gzip.NewWriter(f)
	zw.Write([]byte(strings.Join(h, ",") + "\n" + strings.Join(row, ",") + "\n"))
	zw.Close()
	f.Close()

	if code := run(ctx, []string{"ingest", "--db", db, "--rejects", rejects, good, gzPath}); code != 0 {
		t.Fatalf("clean ingest exited %d", code)
	}
	if _, err := os.Stat(rejects); !os.IsNotExist(err) {
		t.Errorf("a clean load left a reject file")
	}
	// Again: all duplicates, still success.
	out := captureStdout(t, func() {
		if code := run(ctx, []string{"ingest", "--db", db, "--rejects", rejects, "--json", good}); code != 0 {
			t.Errorf("re-ingest exited %d", code)
		}
	})
	var summary ingest.Stats
	if err := json.Unmarshal([]byte(out), &summary); err != nil || summary.Duplicates != 5 || summary.Accepted != 0 {
		t.Errorf("re-ingest summary %q (%+v, %v)", out, summary, err)
	}

	// A bad line and a conflict: exit 1, both in the reject file with their lines.
	conflict := ledgertest.NewEvent("bank", "n0", "alice", sesame.KindPaymentMade, ledgertest.Base, 77)
	cb, _ := json.Marshal(&conflict)
	bad := writeFile(t, filepath.Join(dir, "bad.jsonl"), `{"source":"bank","id":"x"}`+"\n"+string(cb)+"\n")
	if code := run(ctx, []string{"ingest", "--db", db, "--rejects", rejects, bad}); code != 1 {
		t.Errorf("ingest with rejects exited %d, want 1", code)
	}
	rf, err := os.Open(rejects)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	var lines []map[string]any
	sc := bufio.NewScanner(rf)
	for sc.Scan() {
		var m map[string]any
		json.Unmarshal(sc.Bytes(), &m)
		lines = append(lines, m)
	}
	if len(lines) != 2 || lines[0]["line"] != 1.0 || lines[0]["status"] != "rejected" || lines[1]["line"] != 2.0 || lines[1]["status"] != "conflict" {
		t.Errorf("reject file: %v", lines)
	}

	// Reading back, filtered.
	out = captureStdout(t, func() {
		if code := run(ctx, []string{"events", "--db", db, "--json", "--kind", "payment.made", "--limit", "3", "alice"}); code != 0 {
			t.Errorf("events exited %d", code)
		}
	})
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("events --limit 3 printed %d lines:\n%s", n, out)
	}
	out = captureStdout(t, func() {
		run(ctx, []string{"events", "--db", db, "--from", "2025-01-01", "--to", "2025-01-02", "alice"})
	})
	if !strings.Contains(out, "bill.issued") || !strings.Contains(out, "n0") || strings.Contains(out, "n1") {
		t.Errorf("events in a window:\n%s", out)
	}
	// Usage errors.
	for _, args := range [][]string{{"ingest", "--db", db}, {"events", "--db", db}, {"events", "--db", db, "--kind", "nope", "alice"}} {
		if code := run(ctx, args); code == 0 {
			t.Errorf("%v exited 0", args)
		}
	}
}
