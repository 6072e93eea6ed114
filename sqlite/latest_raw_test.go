package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// TestLatestScoreJSONRaw: the raw lookup answers what encoding/json makes
// of the latest score — also for a body past its buffer, right after each
// new save, and from many goroutines at once on a bounded set of
// connections — and not_found for nobody.
func TestLatestScoreJSONRaw(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	st := db.Scores()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	score := func(person string, s int, missing int) *sesame.Score {
		sc := &sesame.Score{Person: person, Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s), ModelVersion: "m1", AsOf: at}
		for i := range missing {
			sc.Missing = append(sc.Missing, fmt.Sprintf("a long explanation of what is missing, number %d, %s", i, strings.Repeat("x", 200)))
		}
		return sc
	}
	want := map[string][]byte{}
	var batch []*sesame.Score
	for i := range 300 {
		sc := score(fmt.Sprintf("p%03d", i), 350+i, i%3)
		if i == 7 {
			sc = score("p007", 600, 200) // about 50 KB: more than the reused buffer
		}
		batch = append(batch, sc)
		want[sc.Person], _ = json.Marshal(sc)
	}
	if err := st.SaveScores(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if len(want["p007"]) <= 16<<10 {
		t.Fatalf("the large body is only %d bytes", len(want["p007"]))
	}
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				p := fmt.Sprintf("p%03d", (i+g*37)%300)
				got, err := st.LatestScoreJSON(ctx, p)
				if err != nil || string(got) != string(want[p]) {
					t.Errorf("%s: %s, %v\nwant %s", p, got, err, want[p])
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := db.latest.opened.Load(); n > int64(latestConns()) {
		t.Errorf("64 goroutines' lookups opened %d connections, more than the %d kept", n, latestConns())
	}
	for i := range 3 {
		sc := score("p001", 700+i, 0)
		if err := st.SaveScores(ctx, []*sesame.Score{sc}); err != nil {
			t.Fatal(err)
		}
		w, _ := json.Marshal(sc)
		if got, err := st.LatestScoreJSON(ctx, "p001"); err != nil || string(got) != string(w) {
			t.Fatalf("after save %d: %s, %v", i, got, err)
		}
	}
	for _, nobody := range []string{"nobody", ""} {
		if _, err := st.LatestScoreJSON(ctx, nobody); sesame.ErrorCode(err) != sesame.ENOTFOUND {
			t.Errorf("%q: %v, want not_found", nobody, err)
		}
	}
	db.Close()
	if _, err := st.LatestScoreJSON(ctx, "p001"); err == nil {
		t.Error("a read after Close succeeded")
	}
}

// TestLatestScoreSnapshots: the lookups keep a read snapshot open between
// reads, yet see every write of this process at once (through any handle
// on the file), another process's writes within maxSnapshotAge, and let go
// of their snapshot when idle, so that a checkpoint can empty the WAL.
func TestLatestScoreSnapshots(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	other, err := Open(ctx, db.path) // a second handle in this process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	// saveScore and servedScore: latest_cache_test.go.
	save := func(d *DB, s int) { t.Helper(); saveScore(t, d, "p1", s) }
	scoreOf := func() int { t.Helper(); return servedScore(t, db, "p1") }
	save(db, 600)
	if got := scoreOf(); got != 600 {
		t.Fatalf("score %d, want 600", got)
	}
	for i, s := range []int{610, 620, 630} {
		d := db
		if i%2 == 1 {
			d = other
		}
		save(d, s)
		if got := scoreOf(); got != s {
			t.Fatalf("right after a save through handle %d: score %d, want %d", i%2, got, s)
		}
	}

	// A write this process's commit generation does not see, as another
	// process's: visible once the snapshot is maxSnapshotAge old.
	outside, err := sql.Open("sqlite3", dsn(db.path, commonDSN()))
	if err != nil {
		t.Fatal(err)
	}
	defer outside.Close()
	if _, err := outside.Exec(`UPDATE score_latest SET body = replace(body, '"score":630', '"score":640') WHERE person = 'p1'`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(maxSnapshotAge + time.Second)
	for scoreOf() != 640 {
		if time.Now().After(deadline) {
			t.Fatalf("another process's write is not seen after %s", maxSnapshotAge+time.Second)
		}
		time.Sleep(maxSnapshotAge / 4)
	}

	// Idle lookups hold no snapshot for long: once they are older than
	// maxSnapshotAge a TRUNCATE checkpoint, which needs every reader off
	// the WAL, succeeds without waiting.
	save(db, 650)
	for range 20 {
		scoreOf()
	}
	time.Sleep(3 * maxSnapshotAge)
	var busy, logFrames, copied int
	if err := outside.QueryRow(`PRAGMA busy_timeout = 0`).Scan(new(int)); err != nil {
		t.Fatal(err)
	}
	if err := outside.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &copied); err != nil {
		t.Fatal(err)
	}
	if busy != 0 {
		t.Fatalf("a TRUNCATE checkpoint was blocked (busy %d, %d frames, %d copied): an idle lookup still holds its snapshot", busy, logFrames, copied)
	}
	if got := scoreOf(); got != 650 {
		t.Fatalf("after the checkpoint: score %d, want 650", got)
	}
}
