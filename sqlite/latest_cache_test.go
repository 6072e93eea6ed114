package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// cachedDB is a test database with the latest-score cache on.
func cachedDB(t *testing.T, budget int64) *DB {
	t.Helper()
	db := testDB(t)
	if err := db.SetLatestCache(budget); err != nil {
		t.Fatal(err)
	}
	return db
}

func saveScore(t *testing.T, db *DB, person string, s int) {
	t.Helper()
	sc := &sesame.Score{Person: person, Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s), ModelVersion: "m1",
		AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	if err := db.Scores().SaveScores(context.Background(), []*sesame.Score{sc}); err != nil {
		t.Fatal(err)
	}
}

func servedScore(t *testing.T, db *DB, person string) int {
	t.Helper()
	b, err := db.Scores().LatestScoreJSON(context.Background(), person)
	if err != nil {
		t.Fatal(err)
	}
	var sc sesame.Score
	if err := json.Unmarshal(b, &sc); err != nil {
		t.Fatal(err)
	}
	return sc.Score
}

// TestLatestCacheWritesThrough: this process's saves, through any handle
// on the file, are served at once, from memory, and people without a score
// are still not found.
func TestLatestCacheWritesThrough(t *testing.T) {
	ctx := context.Background()
	db := cachedDB(t, 1<<20)
	other, err := Open(ctx, db.path) // a second handle in this process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	saveScore(t, db, "p1", 600)
	for i, s := range []int{610, 620, 630, 640} {
		d := db
		if i%2 == 1 {
			d = other
		}
		saveScore(t, d, "p1", s)
		for _, reader := range []*DB{db, other} {
			if got := servedScore(t, reader, "p1"); got != s {
				t.Fatalf("right after save %d: score %d, want %d", i, got, s)
			}
		}
	}
	st := db.LatestCacheStats()
	if !st.Enabled || st.Entries != 1 || st.Hits < 8 || st.Misses != 0 || st.Flushes != 0 {
		t.Fatalf("stats %+v: want one person, every read a hit, no emptying", st)
	}
	if _, err := db.Scores().LatestScoreJSON(ctx, "nobody"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("a person without a score: %v, want ENOTFOUND", err)
	}
}

// TestLatestCacheSeesOtherProcesses: a write that does not go through this
// process (a second process's `sesame rescore`) moves the epoch, and the
// cache serves it within a few polls.
func TestLatestCacheSeesOtherProcesses(t *testing.T) {
	db := cachedDB(t, 1<<20)
	saveScore(t, db, "p1", 600)
	if got := servedScore(t, db, "p1"); got != 600 {
		t.Fatalf("score %d, want 600", got)
	}
	outside := openOutside(t, db)
	outside.save(t, "p1", 700)
	deadline := time.Now().Add(5 * time.Second)
	for servedScore(t, db, "p1") != 700 {
		if time.Now().After(deadline) {
			t.Fatal("another process's score is still not served after 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	if st := db.LatestCacheStats(); st.Flushes == 0 {
		t.Fatalf("stats %+v: the cache was not emptied", st)
	}
	// This process's next save after the outside one is written through
	// and served, whether or not a poll saw the outside write first.
	saveScore(t, db, "p1", 710)
	if got := servedScore(t, db, "p1"); got != 710 {
		t.Fatalf("score %d, want 710", got)
	}
}

// TestLatestCacheKeepsNoStaleFill: a body read from SQLite before a save
// of the same person is written through is not kept over the saved one.
func TestLatestCacheKeepsNoStaleFill(t *testing.T) {
	db := cachedDB(t, 1<<20)
	c := db.cache.Load()
	saveScore(t, db, "p1", 600)
	c.flush() // as after another process's write: the next read fills
	token := c.beginFill("p1")
	old, err := db.latestJSON(context.Background(), "p1") // a miss: fills (with its own token)
	if err != nil {
		t.Fatal(err)
	}
	saveScore(t, db, "p1", 650) // written through after the slow read began
	if c.fill("p1", old, token) {
		t.Fatal("a body read before a save was kept after it")
	}
	if got := servedScore(t, db, "p1"); got != 650 {
		t.Fatalf("score %d, want 650", got)
	}
}

// TestLatestCacheChecksThePerson: an entry under a person's key that holds
// someone else (two ids with one hash) is not their score.
func TestLatestCacheChecksThePerson(t *testing.T) {
	c := newLatestCache(1<<20, new(atomic.Uint64))
	key := personKey("bob")
	c.shard(key).slots.put(key, "alice", []byte(`{"person":"alice"}`))
	if b, ok := c.get(nil, "bob"); ok {
		t.Fatalf("bob's lookup answered %s", b)
	}
	c.shard(personKey("alice")).slots.put(personKey("alice"), "alice", []byte(`{"person":"alice"}`))
	if b, _ := c.get(nil, "alice"); string(b) != `{"person":"alice"}` {
		t.Fatalf("alice's lookup answered %q", b)
	}
}

// TestLatestCacheBudget: the cache holds no more than its budget, and
// answers for whoever it dropped from SQLite.
func TestLatestCacheBudget(t *testing.T) {
	const budget = 64 << 10
	db := cachedDB(t, budget)
	var scores []*sesame.Score
	for i := range 500 {
		scores = append(scores, &sesame.Score{Person: fmt.Sprintf("p%03d", i), Status: sesame.StatusScored, Score: 600 + i%300,
			Band: sesame.BandOf(600 + i%300), ModelVersion: "m1"})
	}
	if err := db.Scores().SaveScores(context.Background(), scores); err != nil {
		t.Fatal(err)
	}
	st := db.LatestCacheStats()
	if st.Bytes > budget || st.Entries == 0 || st.Entries >= 500 {
		t.Fatalf("stats %+v: want some but not all of 500 people within %d bytes", st, budget)
	}
	for i, sc := range scores {
		if got := servedScore(t, db, sc.Person); got != sc.Score {
			t.Fatalf("person %d: score %d, want %d", i, got, sc.Score)
		}
	}
	if st := db.LatestCacheStats(); st.Bytes > budget {
		t.Fatalf("after reading everyone: %d bytes, over %d", st.Bytes, budget)
	}
}

// TestWarmLatestCache: the warm-up reads everyone in when they fit, and
// the reads after it are all hits.
func TestWarmLatestCache(t *testing.T) {
	db := testDB(t)
	var scores []*sesame.Score
	for i := range 10000 {
		scores = append(scores, &sesame.Score{Person: fmt.Sprintf("p%05d", i), Status: sesame.StatusScored, Score: 350 + i%600,
			Band: sesame.BandOf(350 + i%600), ModelVersion: "m1"})
	}
	if err := db.Scores().SaveScores(context.Background(), scores); err != nil {
		t.Fatal(err)
	}
	if err := db.WarmLatestCache(context.Background(), nil); err == nil {
		t.Fatal("warming a cache that is off did not fail")
	}
	if err := db.SetLatestCache(64 << 20); err != nil {
		t.Fatal(err)
	}
	var chunks int
	if err := db.WarmLatestCache(context.Background(), func(int64) { chunks++ }); err != nil {
		t.Fatal(err)
	}
	st := db.LatestCacheStats()
	if st.Warmed != 10000 || st.Entries != 10000 || !st.WarmDone || chunks < 3 {
		t.Fatalf("stats %+v after %d chunks: want all 10000 warmed in chunks", st, chunks)
	}
	for _, i := range []int{0, 4321, 9999} {
		if got := servedScore(t, db, scores[i].Person); got != scores[i].Score {
			t.Fatalf("%s: score %d, want %d", scores[i].Person, got, scores[i].Score)
		}
	}
	if st := db.LatestCacheStats(); st.Misses != 0 {
		t.Fatalf("stats %+v: reads after the warm-up missed", st)
	}
}

// TestSlotStore: entries of every size class come back as stored, a
// replaced or dropped entry's slot is cut again, the budget holds, and an
// entry too large for a slot is not kept (nor the one it replaced).
func TestSlotStore(t *testing.T) {
	set := newSlabSet(maxSlabsFor(64<<10), slabSizeFor(64<<10))
	defer set.release()
	s := newSlotStore(64<<10, set)
	body := func(i, n int) []byte {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte('a' + (i+j)%26)
		}
		return b
	}
	sizes := []int{1, 200, 253, 254, 700, 1006, 1400, 4000}
	for i, n := range sizes {
		if !s.put(int64(i), fmt.Sprintf("p%d", i), body(i, n)) {
			t.Fatalf("entry %d (%d bytes) not kept", i, n)
		}
	}
	for i, n := range sizes {
		if got, _ := s.get([]byte("x"), int64(i), fmt.Sprintf("p%d", i)); string(got) != "x"+string(body(i, n)) {
			t.Fatalf("entry %d: %d bytes back, want %d", i, len(got), n)
		}
	}
	if _, ok := s.get(nil, 0, "p1"); ok {
		t.Fatal("p1's lookup under p0's key answered")
	}
	if s.put(99, "big", body(0, maxSlot)) {
		t.Fatal("an entry larger than a slot was kept")
	}
	if _, ok := s.get(nil, 99, "big"); ok {
		t.Fatal("an entry larger than a slot was kept")
	}
	s.put(3, "p3", body(3, 10))
	if s.put(3, "p3", body(3, maxSlot)) {
		t.Fatal("a too large body was kept")
	}
	if _, ok := s.get(nil, 3, "p3"); ok {
		t.Fatal("a too large body left the one before it in place")
	}
	// Many more people than fit: the budget holds, the slabs stop growing,
	// and whoever is kept reads back right.
	slabs := 0
	for round := 0; round < 3; round++ {
		for i := 1000; i < 2000; i++ {
			s.put(int64(i), fmt.Sprintf("q%d", i), body(i, 900+i%300))
		}
		if s.bytes > s.budget {
			t.Fatalf("%d bytes, over the budget of %d", s.bytes, s.budget)
		}
		if round == 0 {
			slabs = len(s.slabs)
		} else if len(s.slabs) != slabs {
			t.Fatalf("round %d: %d slabs, after %d in the first", round, len(s.slabs), slabs)
		}
	}
	kept := 0
	for i := 1000; i < 2000; i++ {
		if got, ok := s.get(nil, int64(i), fmt.Sprintf("q%d", i)); ok {
			kept++
			if string(got) != string(body(i, 900+i%300)) {
				t.Fatalf("q%d read back wrong", i)
			}
		}
	}
	if kept == 0 || kept != len(s.index) {
		t.Fatalf("%d people read back, %d indexed", kept, len(s.index))
	}
	s.clear()
	if _, ok := s.get(nil, 1500, "q1500"); ok || s.bytes != 0 {
		t.Fatal("an entry survived clear")
	}
	if !s.put(1, "r", body(1, 500)) || len(s.slabs) != slabs {
		t.Fatalf("after clear: %d slabs, want the %d there were", len(s.slabs), slabs)
	}
}

// TestLatestCacheRefillsAfterOtherProcesses: after another process's write
// empties the cache, the read that refills it starts a new snapshot: a
// lookup connection's snapshot from before the write (they keep one for up
// to maxSnapshotAge) must not put the old score back for good.
func TestLatestCacheRefillsAfterOtherProcesses(t *testing.T) {
	db := cachedDB(t, 1<<20)
	c := db.cache.Load()
	saveScore(t, db, "p1", 600)
	outside := openOutside(t, db)
	e, err := openEpochReader(db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	for round := range 20 {
		c.flush()
		if got := servedScore(t, db, "p1"); got == 700 { // a miss: opens a snapshot
			t.Fatal("the new score before it was written")
		}
		outside.save(t, "p1", 700)
		if err := c.pollEpoch(e.read); err != nil { // as the poller would
			t.Fatal(err)
		}
		servedScore(t, db, "p1") // refills the cache
		time.Sleep(2 * maxSnapshotAge)
		if got := servedScore(t, db, "p1"); got != 700 {
			t.Fatalf("round %d: score %d long after another process stored 700", round, got)
		}
		saveScore(t, db, "p1", 600) // back, through this process
	}
}

// outsider is another process's view of a database: a plain driver
// connection, with neither this process's commit generation nor its
// cache, saving a latest score as ScoreStore does (the body, and the
// epoch in the same transaction).
type outsider struct{ db *sql.DB }

func openOutside(t *testing.T, db *DB) outsider {
	t.Helper()
	o, err := sql.Open(driverName, dsn(db.path, commonDSN()))
	if err == nil {
		err = o.Ping()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return outsider{o}
}

func (o outsider) save(t *testing.T, person string, score int) {
	t.Helper()
	body, err := json.Marshal(&sesame.Score{Person: person, Status: sesame.StatusScored, Score: score, Band: sesame.BandOf(score), ModelVersion: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := o.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		fmt.Sprintf(`UPDATE score_latest SET body = x'%x' WHERE person = '%s'`, body, person),
		`UPDATE score_latest_epoch SET n = n + 1`,
	} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
