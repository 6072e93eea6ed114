package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// The key is stored in every database: it must never change. The values
// are FNV-1a 64 (its published test vectors) with the top bit cleared.
func TestPersonKeyIsStable(t *testing.T) {
	for person, want := range map[string]uint64{
		"":       0xcbf29ce484222325,
		"a":      0xaf63dc4c8601ec8c,
		"foobar": 0x85944171f73967e8,
	} {
		if got := personKey(person); got != int64(want&(1<<63-1)) {
			t.Errorf("personKey(%q) = %#x, want %#x", person, got, want&(1<<63-1))
		}
	}
}

// Two people can share a key. A person whose key is taken is stored
// elsewhere and still found, before and after saves of either; a person
// with no score is not found even when someone else holds their key.
func TestLatestScoreKeyTaken(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	st := db.Scores()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	save := func(person string, s int) []byte {
		t.Helper()
		sc := &sesame.Score{Person: person, Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s), ModelVersion: "m1", AsOf: at}
		if err := st.SaveScores(ctx, []*sesame.Score{sc}); err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(sc)
		return body
	}
	check := func(person string, want []byte) {
		t.Helper()
		got, err := st.LatestScoreJSON(ctx, person)
		if want == nil {
			if sesame.ErrorCode(err) != sesame.ENOTFOUND {
				t.Fatalf("%s: %s, %v; want not found", person, got, err)
			}
			return
		}
		if err != nil || string(got) != string(want) {
			t.Fatalf("%s: %s, %v\nwant %s", person, got, err, want)
		}
		full, err := st.LatestScore(ctx, person)
		if err != nil || full.Person != person {
			t.Fatalf("LatestScore(%s): %+v, %v", person, full, err)
		}
	}
	// "squatter" holds the keys of "bob" and of "nobody", as a person
	// whose id hashes to theirs would.
	for _, victim := range []string{"bob", "nobody"} {
		if _, err := db.writer.ExecContext(ctx, `INSERT INTO score_latest (person_key, person, seq, body) VALUES (?, ?, 0, CAST('{}' AS BLOB))`,
			personKey(victim), "squatter-"+victim); err != nil {
			t.Fatal(err)
		}
	}
	bob := save("bob", 610)
	var rowid int64
	if err := db.writer.QueryRowContext(ctx, `SELECT person_key FROM score_latest WHERE person = 'bob'`).Scan(&rowid); err != nil || rowid == personKey("bob") {
		t.Fatalf("bob stored under %d (%v): his key is taken", rowid, err)
	}
	check("bob", bob)
	check("nobody", nil)
	bob = save("bob", 720)
	check("bob", bob)
	alice := save("alice", 655)
	check("alice", alice)
	if err := db.writer.QueryRowContext(ctx, `SELECT person_key FROM score_latest WHERE person = 'alice'`).Scan(&rowid); err != nil || rowid != personKey("alice") {
		t.Fatalf("alice stored under %d (%v), want her key %d", rowid, err, personKey("alice"))
	}
	alice = save("alice", 590)
	check("alice", alice)
	var n int
	if err := db.writer.QueryRowContext(ctx, `SELECT count(*) FROM score_latest`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("%d latest rows (%v), want 4: the squatters, bob and alice", n, err)
	}
}

// Migration 012 keys the latest scores of an existing database, each
// under its person's key, keeping every row.
func TestMigration012KeysLatestScores(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	st := db.Scores()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var batch []*sesame.Score
	want := map[string][]byte{}
	for i := range 500 {
		s := 350 + i%600
		sc := &sesame.Score{Person: fmt.Sprintf("p%06d", i*7919), Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s), ModelVersion: "m1", AsOf: at}
		batch = append(batch, sc)
		want[sc.Person], _ = json.Marshal(sc)
	}
	if err := st.SaveScores(ctx, batch); err != nil {
		t.Fatal(err)
	}
	// Back to the table 011 made, rows in the order they were saved.
	for _, q := range []string{
		`CREATE TABLE score_latest_old (person TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL, body BLOB NOT NULL, features BLOB)`,
		`INSERT INTO score_latest_old SELECT person, seq, body, features FROM score_latest ORDER BY seq`,
		`DROP TABLE score_latest`,
		`ALTER TABLE score_latest_old RENAME TO score_latest`,
		`DELETE FROM schema_migrations WHERE version = 12`,
	} {
		if _, err := db.writer.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.writer.QueryContext(ctx, `SELECT person_key, person FROM score_latest`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var key int64
		var person string
		if err := rows.Scan(&key, &person); err != nil {
			t.Fatal(err)
		}
		if key != personKey(person) {
			t.Errorf("%s under %d, want %d", person, key, personKey(person))
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("%d rows after the migration, want %d", n, len(want))
	}
	for person, body := range want {
		got, err := st.LatestScoreJSON(ctx, person)
		if err != nil || string(got) != string(body) {
			t.Fatalf("%s: %s, %v\nwant %s", person, got, err, body)
		}
	}
}
