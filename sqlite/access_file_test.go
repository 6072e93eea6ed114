package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// TestAccessLogMovesToItsFile opens a database of the version before
// migration 210, whose access log is in the main file, as if an earlier
// open had crashed after copying the log to its own file and before the
// migration dropped it: every entry is in the log's file once, the main
// file's tables are gone, and the log verifies.
func TestAccessLogMovesToItsFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	w, err := sql.Open(driverName, dsn(path, commonDSN()))
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	old := &DB{path: path, writer: w}
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	var before []migration
	for _, m := range ms {
		if m.Version < 210 {
			before = append(before, m)
		}
	}
	if err := applyMigrations(ctx, old, before); err != nil {
		t.Fatal(err)
	}
	prev, last := "", map[string]int64{}
	for i := 1; i <= 5; i++ {
		e := &sesame.AccessEntry{Seq: int64(i), At: time.Unix(int64(i), 0).UTC(), Person: fmt.Sprintf("p%d", i%2), Actor: "partner:acme", Outcome: sesame.AccessAllowed}
		e.PersonPrev, last[e.Person] = last[e.Person], e.Seq
		audit.Seal(prev, e)
		prev = e.Hash
		if _, err := w.Exec(`INSERT INTO access_log (seq, at, person, actor, action, scope, purpose, consent, outcome, reason, person_prev, prev_hash, hash)
			VALUES (?,?,?,?,'','','','',?,'',?,?,?)`, e.Seq, e.At.UnixNano(), e.Person, e.Actor, e.Outcome, e.PersonPrev, e.PrevHash, e.Hash); err != nil {
			t.Fatal(err)
		}
	}
	// The copy of the crashed open.
	if err := old.openAccessFile(ctx); err != nil {
		t.Fatal(err)
	}
	if err := old.copyAccessLog(ctx); err != nil {
		t.Fatal(err)
	}
	old.closeAccessFile()
	w.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := audit.Verify(ctx, db.AccessLog(), audit.Options{})
	if err != nil || !r.OK || r.Entries != 5 {
		t.Fatalf("after the move: %+v %v, want the 5 entries once, verified", r, err)
	}
	var left int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('access_log', 'access_tree', 'access_heads')`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d access tables left in the main file (%v)", left, err)
	}
	e := &sesame.AccessEntry{At: time.Now(), Person: "p1", Actor: "operator:op", Outcome: sesame.AccessAllowed}
	if err := db.AccessLog().AppendAccess(ctx, e); err != nil || e.Seq != 6 || e.PersonPrev != 5 {
		t.Fatalf("the next entry: %+v %v, want seq 6 after p1's entry 5", e, err)
	}
}
