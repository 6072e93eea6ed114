package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

func accessEntry(person string) *sesame.AccessEntry {
	return &sesame.AccessEntry{At: time.Now(), Person: person, Actor: "partner:acme", Action: "score.read",
		Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan, Consent: "con_1", Outcome: sesame.AccessAllowed, Reason: "score"}
}

func appendN(t *testing.T, log *AccessLogStore, prefix string, n int) []*sesame.AccessEntry {
	t.Helper()
	out := make([]*sesame.AccessEntry, n)
	for i := range n {
		out[i] = accessEntry(fmt.Sprintf("%s%d", prefix, i%7))
		if err := log.AppendAccess(context.Background(), out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// wantStored checks that every entry is in the table, once, as appended,
// and that the whole chain verifies with want entries.
func wantStored(t *testing.T, log *AccessLogStore, want int, entries ...*sesame.AccessEntry) {
	t.Helper()
	got := map[int64]*sesame.AccessEntry{}
	err := log.ScanAccess(context.Background(), func(e *sesame.AccessEntry) error {
		if got[e.Seq] != nil {
			return fmt.Errorf("seq %d twice", e.Seq)
		}
		got[e.Seq] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if g := got[e.Seq]; g == nil || g.Hash != e.Hash || g.Person != e.Person {
			t.Fatalf("entry %d (%s): stored as %+v", e.Seq, e.Person, g)
		}
	}
	if r := verify(t, log, ""); !r.OK || r.Entries != want {
		t.Fatalf("chain: %+v, want %d entries", r, want)
	}
}

// twoHandles opens one new database twice, as two processes would.
func twoHandles(t *testing.T) (string, [2]*AccessLogStore) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.db")
	var logs [2]*AccessLogStore
	for i := range logs {
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		logs[i] = db.AccessLog()
	}
	return path, logs
}

// TestAccessJournalSharedByTwoHandles: two handles on one database (as a
// server and a CLI would be two processes) append to one chain: each sees
// the other's appends through the journal's lock.
func TestAccessJournalSharedByTwoHandles(t *testing.T) {
	_, logs := twoHandles(t)
	const n = 120
	var all [2][]*sesame.AccessEntry
	var wg sync.WaitGroup
	for i := range logs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range n {
				e := accessEntry(fmt.Sprintf("h%d-%d", i, k%5))
				if err := logs[i].AppendAccess(context.Background(), e); err != nil {
					t.Error(err)
					return
				}
				all[i] = append(all[i], e)
			}
		}()
	}
	wg.Wait()
	wantStored(t, logs[0], 2*n, append(all[0], all[1]...)...)
	wantStored(t, logs[1], 2*n)
}

// TestAccessJournalLease: with after-write, an append keeps the journal's
// lock for the next one (the lease), and lets it go within a sync cycle
// once appends stop, or between syncs while they go on: another handle
// (another process) is never shut out for long, and the two still make
// one chain.
func TestAccessJournalLease(t *testing.T) {
	_, logs := twoHandles(t)
	leased := func(log *AccessLogStore) bool {
		j, err := log.db.journal()
		if err != nil {
			t.Fatal(err)
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		return j.leased
	}
	first := appendN(t, logs[0], "a", 3)
	if !leased(logs[0]) {
		t.Fatal("after an append the journal's lock is not leased")
	}
	deadline := time.Now().Add(5 * time.Second)
	for leased(logs[0]) {
		if time.Now().After(deadline) {
			t.Fatal("the lease outlived the appends by 5 s")
		}
		time.Sleep(time.Millisecond)
	}

	// One handle appends without pause; the other's appends, a
	// millisecond apart, get in, and the busy one goes on meanwhile.
	stop := make(chan struct{})
	var busy []*sesame.AccessEntry
	var busyN atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			default:
			}
			e := accessEntry(fmt.Sprintf("busy-%d", k%7))
			if err := logs[0].AppendAccess(context.Background(), e); err != nil {
				t.Error(err)
				return
			}
			busy = append(busy, e)
			busyN.Add(1)
		}
	}()
	for busyN.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	before, start := busyN.Load(), time.Now()
	var other []*sesame.AccessEntry
	for range 20 {
		other = append(other, appendN(t, logs[1], "b", 1)...)
		time.Sleep(time.Millisecond)
	}
	took, during := time.Since(start), busyN.Load()-before
	close(stop)
	wg.Wait()
	if took > 10*time.Second {
		t.Errorf("20 appends beside a busy handle took %s", took)
	}
	if during == 0 {
		t.Error("the busy handle appended nothing while the other did")
	}
	t.Logf("20 appends a millisecond apart beside a busy handle took %s; it appended %d meanwhile", took, during)
	all := append(append(first, busy...), other...)
	wantStored(t, logs[1], len(all), all...)
}

// TestAccessJournalTruncatedByAnotherHandle: while one handle is quiet,
// another indexes, truncates the journal and writes it past the quiet
// one's last offset; the quiet one's next append must read the file anew,
// not take the other's lines for a torn tail.
func TestAccessJournalTruncatedByAnotherHandle(t *testing.T) {
	oldAt, oldEvery := journalTruncateAt, journalIndexEvery
	journalTruncateAt, journalIndexEvery = 4<<10, 1<<30
	t.Cleanup(func() { journalTruncateAt, journalIndexEvery = oldAt, oldEvery })
	path, logs := twoHandles(t)
	quiet := appendN(t, logs[1], "b", 3)
	busy := appendN(t, logs[0], "a", 30) // past journalTruncateAt
	if err := logs[0].index(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-access"); err != nil || fi.Size() != 0 {
		t.Fatalf("journal after indexing: %v %v, want truncated", fi.Size(), err)
	}
	busy = append(busy, appendN(t, logs[0], "c", 30)...) // past the quiet handle's offset again
	quiet = append(quiet, appendN(t, logs[1], "d", 1)...)
	if cuts, _ := filepath.Glob(path + "-access.cut-*"); len(cuts) > 0 {
		t.Fatalf("the quiet handle cut the other's lines: %v", cuts)
	}
	wantStored(t, logs[1], 64, append(quiet, busy...)...)
}

// TestAccessJournalCutsATornTail: bytes after the last complete entry (a
// write cut short by a crash, or the zeros a file system may leave) were
// never acknowledged; the next append cuts them off, keeps them in a side
// file and continues the chain.
func TestAccessJournalCutsATornTail(t *testing.T) {
	for name, tail := range map[string]string{
		"half a line":               `{"seq":99,"at":17,"person":"p`,
		"zeros":                     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
		"a line that does not link": `{"seq":42,"at":1,"person":"x","actor":"a","action":"b","scope":"","purpose":"","consent":"","outcome":"allowed","reason":"","prev_hash":"","hash":"00"}` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.db")
			db, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			before := appendN(t, db.AccessLog(), "p", 5)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			// Close indexed and kept the journal; what follows is a crash
			// mid-write of a sixth group.
			f, err := os.OpenFile(path+"-access", os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(tail)
			f.Close()
			db, err = Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			after := appendN(t, db.AccessLog(), "q", 3)
			if after[0].Seq != 6 || after[0].PrevHash != before[4].Hash {
				t.Fatalf("the chain did not continue from the last acknowledged entry: %+v", after[0])
			}
			wantStored(t, db.AccessLog(), 8, append(before, after...)...)
			kept, _ := filepath.Glob(path + "-access.cut-*")
			if len(kept) != 1 {
				t.Fatalf("cut bytes kept in %v, want one file", kept)
			}
			if b, _ := os.ReadFile(kept[0]); string(b) != tail {
				t.Fatalf("kept %q, want %q", b, tail)
			}
		})
	}
}

// TestAccessJournalTruncates: once indexed past journalTruncateAt the file
// starts over, and appends and reads go on as before.
func TestAccessJournalTruncates(t *testing.T) {
	oldAt, oldEvery := journalTruncateAt, journalIndexEvery
	journalTruncateAt, journalIndexEvery = 8<<10, 2<<10
	t.Cleanup(func() { journalTruncateAt, journalIndexEvery = oldAt, oldEvery })
	db, log := chainOf(t, 0)
	first := appendN(t, log, "p", 200)
	if err := log.index(context.Background()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(db.Path() + "-access")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() >= journalTruncateAt {
		t.Fatalf("journal is %d bytes after indexing, want truncated below %d", fi.Size(), journalTruncateAt)
	}
	var gen int64
	if err := db.Reader().QueryRow(`SELECT gen FROM access_journal`).Scan(&gen); err != nil || gen == 0 {
		t.Fatalf("gen %d, %v: want truncations counted", gen, err)
	}
	more := appendN(t, log, "q", 10)
	if more[0].Seq != 201 || more[0].PrevHash != first[199].Hash {
		t.Fatalf("after truncation the chain continues from %+v", more[0])
	}
	wantStored(t, log, 210, append(first, more...)...)
}

// A truncation whose transaction indexes lines leaves the sweep to the
// next run but still counts the rows it added to access_recent.
func TestAccessJournalTruncationCountsRecentRows(t *testing.T) {
	oldEvery := journalIndexEvery
	journalIndexEvery = 1 << 30 // no indexing but this test's
	t.Cleanup(func() { journalIndexEvery = oldEvery })
	db, log := chainOf(t, 0)
	appendN(t, log, "p", 50)
	j, err := db.journal()
	if err != nil {
		t.Fatal(err)
	}
	j.mu.Lock()
	if err := j.lockFile(); err != nil {
		t.Fatal(err)
	}
	err = j.catchUp()
	if err == nil {
		err = j.startOver(context.Background(), nil, j.size)
	}
	j.unlockFile()
	j.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	var recent, rows, logged int
	if err := db.Reader().QueryRow(`SELECT recent, (SELECT count(*) FROM access_recent), (SELECT count(*) FROM access_log) FROM access_journal`).Scan(&recent, &rows, &logged); err != nil || recent != rows || logged != 50 {
		t.Fatalf("access_journal.recent %d, access_recent holds %d, access_log %d (%v); want 50, 50, 50", recent, rows, logged, err)
	}
	var moved int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM access_person`).Scan(&moved); err != nil || moved != 0 {
		t.Fatalf("the truncation moved %d rows on to access_person (%v): it holds up appends, the next run sweeps", moved, err)
	}
}

// TestAccessJournalIndexesWhenIdle: entries below journalIndexEvery reach
// the table on their own once appends pause, without a read asking.
func TestAccessJournalIndexesWhenIdle(t *testing.T) {
	old := journalIndexIdle
	journalIndexIdle = 20 * time.Millisecond
	t.Cleanup(func() { journalIndexIdle = old })
	db := testDB(t)
	appendN(t, db.AccessLog(), "p", 5)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := db.Reader().QueryRow(`SELECT count(*) FROM access_log`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 5 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 5 entries indexed after 10 s idle", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stopAsIfKilled closes db as a killed process leaves it: the journal's
// goroutines stopped and its file closed, without the final indexing (Close
// skips a journal already marked closed).
func stopAsIfKilled(db *DB) {
	j := db.accessJournal
	j.mu.Lock()
	j.closed = true
	close(j.wake)
	if j.afterWrite {
		close(j.syncWake)
	}
	j.mu.Unlock()
	<-j.stopped
	if j.afterWrite {
		<-j.syncStopped
	}
	j.f.Close()
	db.Close()
}

// TestAccessJournalReopenIndexes: entries appended but not yet indexed
// when the process stops (here: the journal closed without indexing, as a
// kill would leave it) are indexed by the next reader.
func TestAccessJournalReopenIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	entries := appendN(t, db.AccessLog(), "p", 30)
	stopAsIfKilled(db)
	db, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	db.Reader().QueryRow(`SELECT count(*) FROM access_log`).Scan(&n)
	if n == len(entries) {
		t.Fatal("every entry was already indexed: the test shows nothing")
	}
	got, err := db.AccessLog().AccessEntries(context.Background(), "p3", 100)
	if err != nil || len(got) == 0 || !strings.HasPrefix(got[0].Person, "p3") {
		t.Fatalf("%+v, %v", got, err)
	}
	wantStored(t, db.AccessLog(), 30, entries...)
}

// TestAccessJournalStaleBehindTable: when the table has moved past the
// journal's last line (written by a sesame that predates the journal), the
// chain goes on from the table; when both hold a different entry at the
// same seq, appends refuse rather than pick one.
func TestAccessJournalStaleBehindTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	first := appendN(t, db.AccessLog(), "p", 5)
	db.Close() // indexed; the journal keeps its lines
	db, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// An older sesame appends straight to the table.
	older := &sesame.AccessEntry{Seq: 6, At: time.Now(), Person: "old", Actor: "operator:op", Action: "operator.read", Outcome: sesame.AccessAllowed}
	audit.Seal(first[4].Hash, older)
	tamper(t, db, fmt.Sprintf(`INSERT INTO access_log (`+accessColumns+`) VALUES (6, %d, 'old', 'operator:op', 'operator.read', '', '', '', 'allowed', '', '%s', '%s')`,
		older.At.UnixNano(), older.PrevHash, older.Hash))
	next := appendN(t, db.AccessLog(), "q", 2)
	if next[0].Seq != 7 || next[0].PrevHash != older.Hash {
		t.Fatalf("after the table moved on: %+v", next[0])
	}
	wantStored(t, db.AccessLog(), 8, append(first, append([]*sesame.AccessEntry{older}, next...)...)...)

	if fi, err := os.Stat(path + "-access"); err != nil || fi.Size() == 0 {
		t.Fatalf("journal after starting over: %v, %v; want the two new lines", fi, err)
	}

	// A table whose newest entry differs from the journal's.
	tamper(t, db, `UPDATE access_log SET hash = 'x' WHERE seq = 8`)
	db.accessJournal.mu.Lock()
	db.accessJournal.size = -1 // as a fresh process would find it
	db.accessJournal.mu.Unlock()
	if err := db.AccessLog().AppendAccess(context.Background(), accessEntry("r")); err == nil || !strings.Contains(err.Error(), "different entries 8") {
		t.Fatalf("append over a disagreement: %v", err)
	}
}

// FuzzAccessJournalTail appends arbitrary bytes to a journal, as a crash or
// a damaged disk might leave them: the next append must cut them off and
// continue the chain, and every acknowledged entry must still be there.
func FuzzAccessJournalTail(f *testing.F) {
	for _, seed := range []string{"", "\n", "\x00\x00\x00\x00", `{"seq":4,"at":1,"person":"p`, "{}\n", `{"seq":4}` + "\n" + `{"seq":5}` + "\n",
		"\xff\xfe\n\n{\"prev_hash\":\"\"}\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, tail []byte) {
		path := filepath.Join(t.TempDir(), "a.db")
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		before := appendN(t, db.AccessLog(), "p", 3)
		stopAsIfKilled(db)
		jf, err := os.OpenFile(path+"-access", os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		jf.Write(tail)
		jf.Close()
		db2, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		after := appendN(t, db2.AccessLog(), "q", 1)
		if after[0].Seq != 4 || after[0].PrevHash != before[2].Hash {
			t.Fatalf("after tail %q: %+v", tail, after[0])
		}
		wantStored(t, db2.AccessLog(), 4, append(before, after...)...)
	})
}
