package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

func readEntry(person string, at time.Time) *sesame.AccessEntry {
	return &sesame.AccessEntry{At: at, Person: person, Actor: "partner:acme", Action: "score.read",
		Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan, Consent: "c1", Outcome: sesame.AccessAllowed, Reason: "score"}
}

// A seq drawn by an append that never committed is filled by a void entry
// once the tree reaches it, and the log verifies.
func TestAccessLogFillsFailedSeqs(t *testing.T) {
	ctx := context.Background()
	db := openFresh(t)
	tr := db.Trust()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if err := tr.AppendAccess(ctx, readEntry(fmt.Sprintf("p%d", i), at)); err != nil {
			t.Fatal(err)
		}
	}
	// Two appends that drew their seqs and then failed.
	if _, err := db.Pool().Exec(ctx, `SELECT nextval('access_seq'), nextval('access_seq')`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := tr.AppendAccess(ctx, readEntry(fmt.Sprintf("p%d", i), at.Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	r, err := audit.Verify(ctx, tr, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Entries != 8 || r.PerPerson["p0"] != 2 {
		t.Fatalf("log with two failed appends: %+v", r)
	}
	var voids []int64
	tr.ScanAccess(ctx, func(e *sesame.AccessEntry) error {
		if audit.IsVoid(e) {
			voids = append(voids, e.Seq)
		}
		return nil
	})
	if len(voids) != 2 || voids[0] != 4 || voids[1] != 5 {
		t.Fatalf("void entries at %v, want 4 and 5", voids)
	}
	es, err := tr.AccessEntries(ctx, "p1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := audit.VerifyView(ctx, tr, es, true); err != nil || !v.OK || len(v.Entries) != 2 {
		t.Fatalf("p1's view: %+v %v", v, err)
	}
}

// Two replicas on one database append to the same partitions at once: one
// log that verifies, every person's entries linked.
func TestAccessLogTwoReplicas(t *testing.T) {
	ctx := context.Background()
	url := pgtest.FreshURL(t)
	var dbs [2]*postgres.DB
	for i := range dbs {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	var wg sync.WaitGroup
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := dbs[g%2].Trust()
			for i := range 25 {
				if err := tr.AppendAccess(ctx, readEntry(fmt.Sprintf("p%d", (g+i)%5), at)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	r, err := audit.Verify(ctx, dbs[0].Trust(), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Entries != 200 {
		t.Fatalf("after two replicas' appends: %+v", r)
	}
	for p := range 5 {
		es, err := dbs[1].Trust().AccessEntries(ctx, fmt.Sprintf("p%d", p), 100)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := audit.VerifyView(ctx, dbs[1].Trust(), es, true); err != nil || !v.OK || len(v.Entries) != 40 {
			t.Fatalf("p%d's view: %d entries, %v %v", p, len(v.Entries), v.Problems, err)
		}
	}
}
