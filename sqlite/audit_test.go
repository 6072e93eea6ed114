package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/audit/audittest"
)

func TestAccessLogContract(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audittest.Log {
		db := testDB(t)
		return audittest.Log{AccessLog: db.AccessLog(), Eraser: db.Eraser(), Exec: func(t *testing.T, q string) {
			t.Helper()
			if _, err := db.AccessWriter().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}}
	})
}

// TestAccessLogTwoHandles: a server and a CLI on one file append to one
// chain and one tree, each handle noticing the other's appends.
func TestAccessLogTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.db")
	a, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	for i, db := range []*DB{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 30 {
				e := &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprintf("p%d", (i+j)%4), Actor: "operator:op", Action: "operator.read", Outcome: sesame.AccessAllowed}
				if err := db.AccessLog().AppendAccess(context.Background(), e); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	r, err := audit.Verify(context.Background(), b.AccessLog(), audit.Options{})
	if err != nil || !r.OK || r.Entries != 120 {
		t.Fatalf("after appends from two handles: %+v %v", r, err)
	}
}

// TestAccessLogAppendCancelled: a caller whose context has ended writes
// nothing and is told so.
func TestAccessLogAppendCancelled(t *testing.T) {
	db := testDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := &sesame.AccessEntry{At: time.Now(), Person: "p", Actor: "operator:op", Outcome: sesame.AccessAllowed}
	if err := db.AccessLog().AppendAccess(ctx, e); err == nil {
		t.Fatal("an append with an ended context succeeded")
	}
	if es, _ := db.AccessLog().AccessEntries(context.Background(), "p", 10); len(es) != 0 {
		t.Fatalf("entries after a cancelled append: %+v", es)
	}
}

// TestAccessLogUpgrade opens a database of the version before migration
// 050, whose access journal file holds entries not yet indexed and a torn
// tail: the acknowledged entries are all in the log afterwards, each
// person's linked, the tree built, and the log verifies.
func TestAccessLogUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	w, err := sql.Open(driverName, dsn(path, commonDSN()))
	if err != nil {
		t.Fatal(err)
	}
	old := &DB{path: path, writer: w}
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	var before []migration
	for _, m := range ms {
		if m.Version < 50 {
			before = append(before, m)
		}
	}
	if err := applyMigrations(ctx, old, before); err != nil {
		t.Fatal(err)
	}
	// Six entries as the old code sealed them: three indexed, three only
	// in the journal, then half a line.
	var journal strings.Builder
	prev := ""
	for i := 1; i <= 6; i++ {
		e := &sesame.AccessEntry{Seq: int64(i), At: time.Unix(int64(i), 0).UTC(), Person: fmt.Sprintf("p%d", i%2), Actor: "partner:acme", Outcome: sesame.AccessAllowed}
		audit.Seal(prev, e)
		prev = e.Hash
		if i <= 3 {
			if _, err := w.Exec(`INSERT INTO access_log (seq, at, person, actor, action, scope, purpose, consent, outcome, reason, prev_hash, hash)
				VALUES (?,?,?,?,'','','','',?,'',?,?)`, e.Seq, e.At.UnixNano(), e.Person, e.Actor, e.Outcome, e.PrevHash, e.Hash); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Fprintf(&journal, `{"seq":%d,"at":%d,"person":%q,"actor":%q,"action":"","scope":"","purpose":"","consent":"","outcome":%q,"reason":"","prev_hash":%q,"hash":%q}`+"\n",
			e.Seq, e.At.UnixNano(), e.Person, e.Actor, e.Outcome, e.PrevHash, e.Hash)
	}
	journal.WriteString(`{"seq":7,"at":`)
	w.Close()
	if err := os.WriteFile(path+"-access", []byte(journal.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := audit.Verify(ctx, db.AccessLog(), audit.Options{})
	if err != nil || !r.OK || r.Entries != 6 {
		t.Fatalf("after the upgrade: %+v %v, want the 6 acknowledged entries, verified", r, err)
	}
	es, _ := db.AccessLog().AccessEntries(ctx, "p0", 10)
	if v, err := audit.VerifyView(ctx, db.AccessLog(), es, true); err != nil || !v.OK || len(v.Entries) != 3 || es[0].PersonPrev != 4 {
		t.Fatalf("p0's view after the upgrade: %+v %v", v, err)
	}
	if _, err := os.Stat(path + "-access.imported"); err != nil {
		t.Fatalf("the journal was not kept aside: %v", err)
	}
}

// TestSignerKeepsEveryHead: the signer signs at once and at every tick,
// keeps every head, and each verifies against the log.
func TestSignerKeepsEveryHead(t *testing.T) {
	db := testDB(t)
	log := db.AccessLog()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		audit.RunSigner(ctx, log, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), 20*time.Millisecond, slog.Default())
	}()
	for i := range 10 {
		e := &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprint("p", i%3), Actor: "operator:op", Outcome: sesame.AccessAllowed}
		if err := log.AppendAccess(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	cancel()
	<-done
	hs, err := log.AccessHeads(context.Background(), 0)
	if err != nil || len(hs) < 3 || hs[0].Size != 10 {
		t.Fatalf("heads %+v, %v: want several, the latest over all 10 entries", hs, err)
	}
	if r, err := audit.Verify(context.Background(), log, audit.Options{}); err != nil || !r.OK || r.Heads != len(hs) {
		t.Fatalf("verify with %d heads: %+v %v", len(hs), r, err)
	}
}
