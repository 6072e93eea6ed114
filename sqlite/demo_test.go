package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestDemoMark: a database CreateDemo made keeps its mark once opened (the
// migrations run, WAL mode on); CreateDemo never takes over an existing file;
// CheckDemo refuses a real database, an empty file and a text file
// without writing to any of them.
func TestDemoMark(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo.db")
	if err := CreateDemo(ctx, demo); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, demo)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := CheckDemo(demo); err != nil {
		t.Fatalf("the demo's own database: %v", err)
	}
	if err := CreateDemo(ctx, demo); err == nil {
		t.Fatal("CreateDemo over an existing file succeeded")
	}

	real := filepath.Join(dir, "real.db")
	db, err = Open(ctx, real)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("my notes, not a database"), 0o600)
	for _, p := range []string{real, empty, text} {
		before, _ := os.ReadFile(p)
		err := CheckDemo(p)
		if !errors.Is(err, ErrNotDemo) {
			t.Errorf("CheckDemo(%s) = %v, want ErrNotDemo", filepath.Base(p), err)
		}
		if after, _ := os.ReadFile(p); string(after) != string(before) {
			t.Errorf("CheckDemo changed %s", filepath.Base(p))
		}
	}
	if err := CheckDemo(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
	// An access log left beside a missing main file is someone else's.
	stray := filepath.Join(dir, "moved.db")
	if err := os.WriteFile(AccessPath(stray), []byte("a real access log"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CreateDemo(ctx, stray); err == nil {
		t.Error("CreateDemo beside another database's access log succeeded")
	}
	if _, err := os.Stat(stray); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CreateDemo made %s beside another database's access log", filepath.Base(stray))
	}
	if b, _ := os.ReadFile(AccessPath(stray)); string(b) != "a real access log" {
		t.Error("CreateDemo changed another database's access log")
	}
}
