package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
)

func TestMigrationsWithGapsApplyOnceInOrder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Files arrive later, one of them below a version already applied: it
	// must still be applied, once. (9xx: a range no area uses.)
	later := fstest.MapFS{
		"migrations/902_probe_b.sql": {Data: []byte(`CREATE TABLE probe_b (x INTEGER);`)},
		"migrations/901_probe_a.sql": {Data: []byte(`CREATE TABLE probe_a (x INTEGER);`)},
	}
	ms, err := loadMigrations(later)
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Version != 901 || ms[1].Version != 902 {
		t.Fatalf("order %v", ms)
	}
	if err := applyMigrations(ctx, db, ms[1:]); err != nil {
		t.Fatal(err)
	}
	for range 2 { // applying again is a no-op, not a "table exists" error
		if err := applyMigrations(ctx, db, ms); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The embedded files (this package's and other areas') plus the two probes.
	embedded, _ := loadMigrations(migrationFiles)
	var want []int
	for _, m := range embedded {
		want = append(want, m.Version)
	}
	want = append(want, 901, 902)
	if !slices.Equal(got, want) {
		t.Errorf("applied %v, want %v", got, want)
	}
	// Reopening applies nothing new and keeps the data.
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Migrations(ctx); !slices.Equal(got, want) {
		t.Errorf("after reopening: %v", got)
	}
}

func TestMigrationNames(t *testing.T) {
	tests := []struct {
		name string
		fs   fstest.MapFS
		ok   bool
	}{
		{"good", fstest.MapFS{"migrations/001_a.sql": {}, "migrations/030_b.sql": {}}, true},
		{"no number", fstest.MapFS{"migrations/a.sql": {}}, false},
		{"no name", fstest.MapFS{"migrations/005.sql": {}}, false},
		{"zero", fstest.MapFS{"migrations/000_a.sql": {}}, false},
		{"same version twice", fstest.MapFS{"migrations/011_a.sql": {}, "migrations/11_b.sql": {}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := loadMigrations(tt.fs); (err == nil) != tt.ok {
				t.Errorf("err %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestEmbeddedMigrationsLoad(t *testing.T) {
	ms, err := loadMigrations(migrationFiles)
	if err != nil || len(ms) == 0 || ms[0].Version != 1 {
		t.Fatalf("%v %v", ms, err)
	}
}
