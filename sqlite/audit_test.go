package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
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
		return audittest.Log{AccessLog: db.AccessLog(), Exec: func(t *testing.T, q string) {
			t.Helper()
			if _, err := db.Writer().Exec(q); err != nil {
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
