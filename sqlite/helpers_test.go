package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// testDB opens a fresh database in the test's temporary directory, closed
// when the test ends (sqlite_test has openTemp for the external tests).
func testDB(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
