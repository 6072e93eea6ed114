package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

// realDatabase makes a database as an operator would have it (events of
// real people) and returns its path and a digest of every file beside it:
// names, contents and modification times, so that even a write of the same
// bytes shows.
func realDatabase(t *testing.T) (string, func() string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "real.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	g := ledgertest.NewGenerator(7, 5)
	evs := make([]sesame.Event, 50)
	for i := range evs {
		evs[i] = g.Next()
		evs[i].Person = "real-person-1"
	}
	if _, err := db.Events().Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	digest := func() string {
		h := sha256.New()
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%s %d\n", e.Name(), info.ModTime().UnixNano())
			h.Write(b)
		}
		return string(h.Sum(nil))
	}
	return path, digest
}

// TestDemoRefusesARealDatabase: `sesame demo --db real.db` stops with an
// error naming the file and leaves it, and the directory it is in, byte
// for byte as they were; so do an empty file and a text file.
func TestDemoRefusesARealDatabase(t *testing.T) {
	real, digest := realDatabase(t)
	before := digest()
	err := runDemo(context.Background(), []string{"--db", real, "--people", "50", "--addr", freeAddr(t)})
	if !errors.Is(err, sqlite.ErrNotDemo) || !strings.Contains(err.Error(), real) {
		t.Fatalf("demo --db real.db: %v, want a refusal naming %s", err, real)
	}
	if digest() != before {
		t.Fatal("demo --db real.db changed the database or its directory")
	}
	dir := t.TempDir()
	for name, content := range map[string]string{"empty.db": "", "notes.txt": "not a database"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		if err := runDemo(context.Background(), []string{"--db", p, "--addr", freeAddr(t)}); !errors.Is(err, sqlite.ErrNotDemo) {
			t.Errorf("demo --db %s: %v, want a refusal", name, err)
		}
		if b, err := os.ReadFile(p); err != nil || string(b) != content {
			t.Errorf("demo --db %s changed or deleted it", name)
		}
	}
	if err := runDemo(context.Background(), []string{"--db", "postgres://127.0.0.1:5432/test", "--addr", freeAddr(t)}); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("demo on PostgreSQL: %v, want a refusal", err)
	}
}

// TestDemoIgnoresSESAME_DB: with SESAME_DB naming a real database,
// `sesame demo` builds and serves its own ./sesame-demo.db; the real
// database stays byte for byte as it was and none of its people is served.
func TestDemoIgnoresSESAME_DB(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates, trains and serves a small demo")
	}
	real, digest := realDatabase(t)
	before := digest()
	t.Setenv("SESAME_DB", real)
	work := t.TempDir()
	t.Chdir(work)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runDemo(ctx, []string{"--people", "200", "--addr", addr}) }()
	base := "http://" + addr
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("demo ended before serving: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the demo did not serve within 3 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer demo-operator-token")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/v1/people/p00000001/score"); code != 200 {
		t.Errorf("a simulated person's score: %d %s", code, body)
	}
	if code, body := get("/v1/people/real-person-1/events?limit=5"); strings.Contains(body, "real-person-1\"") && strings.Contains(body, "occurred_at") {
		t.Errorf("the demo serves the real database's person: %d %s", code, body)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Error("the demo did not stop")
	}
	if digest() != before {
		t.Fatal("the demo changed the database SESAME_DB names")
	}
	if err := sqlite.CheckDemo(filepath.Join(work, "sesame-demo.db")); err != nil {
		t.Errorf("the demo's own database: %v", err)
	}
}

// TestDemoModelCardSaysItsDates: the demo's model card names the period its
// training rows describe, as an analyst's would.
func TestDemoModelCardSaysItsDates(t *testing.T) {
	ctx := context.Background()
	db := smallDemo(t)
	info, _ := activeModel(t, db)
	var code int
	out := captureStdout(t, func() { code = run(ctx, []string{"model", "card", "--db", db, info.Version}) })
	end := time.Now().UTC().Format(time.DateOnly)
	if code != 0 || !strings.Contains(out, "The rows describe ") || !strings.Contains(out, "to "+end+".") {
		t.Fatalf("model card: exit %d; want it to name the rows' period ending %s:\n%s", code, end, out)
	}
}

// smallDemo builds the demo's database for 300 people (seed 7) in the
// test's folder, or skips under -short.
func smallDemo(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a demo population")
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := buildDemo(context.Background(), db, 300, 7, func(string) {}); err != nil {
		t.Fatal(err)
	}
	return db
}

// activeModel returns the active model of the database at db.
func activeModel(t *testing.T, db string) (sesame.ModelInfo, []byte) {
	t.Helper()
	ctx := context.Background()
	svc, st, err := openScoreService(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	info, artifact, err := svc.Models.ActiveModel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info, artifact
}
