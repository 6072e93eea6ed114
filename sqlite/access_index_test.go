package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkAccessIndex: every entry of access_log is in exactly one of
// access_recent and access_person, the journal's row counts access_recent
// right, and each person's view is exactly their entries, newest first.
func checkAccessIndex(t *testing.T, db *DB, want map[string][]int64) {
	t.Helper()
	ctx := context.Background()
	var logRows, recent, person, both, counted int64
	for q, v := range map[string]*int64{
		`SELECT count(*) FROM access_log`:                                           &logRows,
		`SELECT count(*) FROM access_recent`:                                        &recent,
		`SELECT count(*) FROM access_person`:                                        &person,
		`SELECT count(*) FROM access_recent JOIN access_person USING (person, seq)`: &both,
		`SELECT recent FROM access_journal WHERE id = 1`:                            &counted,
	} {
		if err := db.reader.QueryRowContext(ctx, q).Scan(v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if recent+person != logRows || both != 0 || counted != recent {
		t.Fatalf("access_log %d rows, access_recent %d (counted %d), access_person %d, in both %d", logRows, recent, counted, person, both)
	}
	for p, seqs := range want {
		entries, err := db.AccessLog().AccessEntries(ctx, p, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, e := range entries {
			if e.Person != p {
				t.Fatalf("%s's view holds %s's entry %d", p, e.Person, e.Seq)
			}
			got = append(got, e.Seq)
		}
		w := slices.Clone(seqs)
		slices.Reverse(w)
		if !slices.Equal(got, w) {
			t.Fatalf("%s's view: %v, want %v", p, got, w)
		}
		if len(w) > 3 {
			newest, _ := db.AccessLog().AccessEntries(ctx, p, 3)
			if len(newest) != 3 || newest[0].Seq != w[0] || newest[2].Seq != w[2] {
				t.Fatalf("%s's newest 3: %v, want %v", p, newest, w[:3])
			}
		}
	}
}

// TestAccessIndexSweep: run after indexing run, entries go to
// access_recent and the sweep moves ranges of people on to access_person,
// wrapping round, so that every entry moves on within a round of the
// cursor (at most one run per person); a person's view is right
// throughout, whichever table holds their entries.
func TestAccessIndexSweep(t *testing.T) {
	db := testDB(t)
	log := db.AccessLog()
	r := rand.New(rand.NewPCG(1, 2))
	want := map[string][]int64{}
	var early int64 // the last seq of the first 10 runs
	for round := range 50 {
		for range 50 {
			p := fmt.Sprintf("p%02d", r.IntN(30))
			e := accessEntry(p)
			if err := log.AppendAccess(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			want[p] = append(want[p], e.Seq)
		}
		if err := log.index(context.Background()); err != nil {
			t.Fatal(err)
		}
		if round%10 == 9 {
			checkAccessIndex(t, db, want)
		}
		if round == 9 {
			for _, seqs := range want {
				early = max(early, seqs[len(seqs)-1])
			}
		}
	}
	var left int64
	if err := db.reader.QueryRow(`SELECT count(*) FROM access_recent WHERE seq <= ?`, early).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d entries of the first 10 runs are still in access_recent 40 runs later (%v): the sweep skips some people", left, err)
	}
	var person int64
	if err := db.reader.QueryRow(`SELECT count(*) FROM access_person`).Scan(&person); err != nil || person < 1000 {
		t.Fatalf("access_person holds %d of 2500 entries (%v): the sweep does not move them on", person, err)
	}
}

// TestMigration042MovesThePersonIndex: a log indexed before migration 042
// (the (person, seq) index on access_log) is carried over to
// access_person, and a person's view reads it.
func TestMigration042MovesThePersonIndex(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	log := db.AccessLog()
	want := map[string][]int64{}
	for i := range 30 {
		p := fmt.Sprintf("p%d", i%4)
		e := accessEntry(p)
		if err := log.AppendAccess(ctx, e); err != nil {
			t.Fatal(err)
		}
		want[p] = append(want[p], e.Seq)
	}
	if err := log.index(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TABLE access_recent`,
		`DROP TABLE access_person`,
		`ALTER TABLE access_journal DROP COLUMN sweep`,
		`ALTER TABLE access_journal DROP COLUMN recent`,
		`CREATE INDEX access_log_person ON access_log (person, seq)`,
		`DELETE FROM schema_migrations WHERE version = 42`,
	} {
		if _, err := db.writer.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.migrate(ctx); err != nil {
		t.Fatal(err)
	}
	checkAccessIndex(t, db, want)
}
