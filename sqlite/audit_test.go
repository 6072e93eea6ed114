package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// chainOf opens a database with n access entries.
func chainOf(t *testing.T, n int) (*DB, *AccessLogStore) {
	t.Helper()
	db := testDB(t)
	log := db.AccessLog()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		e := &sesame.AccessEntry{At: at.Add(time.Duration(i) * time.Minute), Person: fmt.Sprintf("p%d", i%3), Actor: "partner:acme",
			Action: "score.read", Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan, Consent: "con_1", Outcome: sesame.AccessAllowed, Reason: "score"}
		if err := log.AppendAccess(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	// Into the table, as the tampering tests need.
	if err := log.index(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, log
}

func verify(t *testing.T, log *AccessLogStore, head string) audit.Report {
	t.Helper()
	r, err := audit.Verify(context.Background(), log, head)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func tamper(t *testing.T, db *DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Writer().Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func wantProblem(t *testing.T, r audit.Report, seq int64, kind string) {
	t.Helper()
	if r.OK {
		t.Fatalf("tampering not detected: %+v", r)
	}
	for _, p := range r.Problems {
		if p.Seq == seq && p.Kind == kind {
			return
		}
	}
	t.Fatalf("want %s at %d, got %+v", kind, seq, r.Problems)
}

func TestAuditChainIntact(t *testing.T) {
	_, log := chainOf(t, 10)
	r := verify(t, log, "")
	if !r.OK || r.Entries != 10 || len(r.Head) != 64 {
		t.Fatalf("%+v", r)
	}
	es, _ := log.AccessEntries(context.Background(), "p1", 100)
	if len(es) != 3 || es[0].Seq < es[1].Seq {
		t.Fatalf("p1's entries, newest first: %+v", es)
	}
}

func TestAuditDetectsEdits(t *testing.T) {
	for _, col := range []string{"outcome = 'denied'", "reason = 'x'", "actor = 'partner:evil'", "person = 'p9'", "at = at + 1", "scope = 'full'", "purpose = 'social'", "consent = ''", "action = 'x'"} {
		db, log := chainOf(t, 10)
		tamper(t, db, "UPDATE access_log SET "+col+" WHERE seq = 4")
		wantProblem(t, verify(t, log, ""), 4, audit.Edited)
	}
}

func TestAuditDetectsEditWithRehash(t *testing.T) {
	db, log := chainOf(t, 10)
	// The forger recomputes entry 4's hash; entry 5 still names the old one.
	es := map[int64]*sesame.AccessEntry{}
	log.ScanAccess(context.Background(), func(e *sesame.AccessEntry) error { c := *e; es[e.Seq] = &c; return nil })
	e := es[4]
	e.Outcome = sesame.AccessDenied
	audit.Seal(e.PrevHash, e)
	tamper(t, db, fmt.Sprintf("UPDATE access_log SET outcome = 'denied', hash = '%s' WHERE seq = 4", e.Hash))
	wantProblem(t, verify(t, log, ""), 5, audit.Relinked)
}

func TestAuditDetectsRemovals(t *testing.T) {
	db, log := chainOf(t, 10)
	tamper(t, db, "DELETE FROM access_log WHERE seq IN (5, 6)")
	r := verify(t, log, "")
	wantProblem(t, r, 7, audit.Removed)
	if !strings.Contains(r.Problems[0].Detail, "5–6") {
		t.Errorf("detail %q should name the missing entries", r.Problems[0].Detail)
	}
	// The first entries.
	db, log = chainOf(t, 5)
	tamper(t, db, "DELETE FROM access_log WHERE seq = 1")
	wantProblem(t, verify(t, log, ""), 2, audit.Removed)
	// The tail: detected against a head published earlier.
	db, log = chainOf(t, 5)
	head := verify(t, log, "").Head
	tamper(t, db, "DELETE FROM access_log WHERE seq = 5")
	if r := verify(t, log, ""); !r.OK {
		t.Fatalf("without a published head a cut tail is invisible, by design: %+v", r)
	}
	if r := verify(t, log, head); r.OK {
		t.Fatal("a cut tail not detected against the published head")
	}
	// Removal with renumbering.
	db, log = chainOf(t, 6)
	tamper(t, db, "DELETE FROM access_log WHERE seq = 3", "UPDATE access_log SET seq = seq - 1 WHERE seq > 3")
	r = verify(t, log, "")
	if r.OK {
		t.Fatal("removal with renumbering not detected")
	}
}

func TestAuditDetectsReordering(t *testing.T) {
	db, log := chainOf(t, 10)
	// Swap entries 3 and 7 (the rows move; their contents and hashes are kept).
	tamper(t, db, "UPDATE access_log SET seq = -3 WHERE seq = 3", "UPDATE access_log SET seq = 3 WHERE seq = 7", "UPDATE access_log SET seq = 7 WHERE seq = -3")
	r := verify(t, log, "")
	wantProblem(t, r, 3, audit.Reordered)
}

// inEachSyncMode runs test once per AccessLogSync, on a database set to it.
func inEachSyncMode(t *testing.T, test func(t *testing.T, mode AccessLogSync)) {
	for _, mode := range []AccessLogSync{SyncAfterWrite, SyncEachRead} {
		t.Run(mode.String(), func(t *testing.T) { test(t, mode) })
	}
}

// syncModeDB opens a database whose journal runs in mode.
func syncModeDB(t *testing.T, mode AccessLogSync) *DB {
	t.Helper()
	db := testDB(t)
	if err := db.SetAccessLogSync(mode); err != nil {
		t.Fatal(err)
	}
	j, err := db.journal()
	if err != nil {
		t.Fatal(err)
	}
	if j.afterWrite != (mode == SyncAfterWrite) {
		t.Fatalf("journal opened with afterWrite=%v, want mode %s", j.afterWrite, mode)
	}
	if err := db.SetAccessLogSync(SyncEachRead + SyncAfterWrite - mode); err == nil {
		t.Fatal("the sync mode changed after the journal opened")
	}
	return db
}

func TestAuditAppendsConcurrentlyKeepOneChain(t *testing.T) {
	inEachSyncMode(t, testAuditAppendsConcurrentlyKeepOneChain)
}

func testAuditAppendsConcurrentlyKeepOneChain(t *testing.T, mode AccessLogSync) {
	log := syncModeDB(t, mode).AccessLog()
	done := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 25 {
				e := &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprintf("p%d", g), Actor: "partner:x", Action: "score.read", Outcome: sesame.AccessAllowed, Reason: fmt.Sprint(i)}
				if err := log.AppendAccess(context.Background(), e); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if r := verify(t, log, ""); !r.OK || r.Entries != 200 {
		t.Fatalf("%+v", r)
	}
}

// TestAuditGroupCommit: concurrent appends share syncs, yet each caller
// returns only with its own entry stored, sealed and linked.
func TestAuditGroupCommit(t *testing.T) { inEachSyncMode(t, testAuditGroupCommit) }

func testAuditGroupCommit(t *testing.T, mode AccessLogSync) {
	db := syncModeDB(t, mode)
	log := db.AccessLog()
	for i := range 3 {
		if err := log.AppendAccess(context.Background(), &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprintf("p%d", i), Actor: "partner:acme",
			Action: "score.read", Outcome: sesame.AccessAllowed, Reason: "score"}); err != nil {
			t.Fatal(err)
		}
	}
	w := accessWriterOf(db)
	before := w.groups.Load()
	const n = 200
	entries := make([]*sesame.AccessEntry, n)
	errs := make(chan error, n)
	for i := range n {
		entries[i] = &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprintf("q%d", i), Actor: "operator:op", Action: "operator.read",
			Scope: sesame.ScopeFull, Outcome: sesame.AccessAllowed, Reason: "score"}
		go func() { errs <- log.AppendAccess(context.Background(), entries[i]) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Groups form while a write or sync is under way. After a write alone
	// (a few microseconds) they may not: only a sync per read is worth
	// sharing.
	if groups := w.groups.Load() - before; groups >= n && mode == SyncEachRead {
		t.Errorf("%d syncs for %d concurrent entries: no group commit", groups, n)
	} else {
		t.Logf("%d entries in %d groups", n, groups)
	}
	seen := map[int64]bool{}
	for _, e := range entries {
		if e.Seq <= 3 || seen[e.Seq] || len(e.Hash) != 64 {
			t.Fatalf("entry %+v: want a new, unique seq and a hash", e)
		}
		seen[e.Seq] = true
		got, err := log.AccessEntries(context.Background(), e.Person, 10)
		if err != nil || len(got) != 1 || got[0].Seq != e.Seq || got[0].Hash != e.Hash {
			t.Fatalf("%s: stored %+v, %v; returned %+v", e.Person, got, err, e)
		}
	}
	if r := verify(t, log, ""); !r.OK || r.Entries != n+3 {
		t.Fatalf("%+v", r)
	}
}

// TestAuditIndexFailureLosesNothing: entries are durable once appended to
// the journal; when copying them into the table fails, reads say so
// instead of showing a partial log, and once the cause is gone every
// entry is there, once, in one intact chain.
func TestAuditIndexFailureLosesNothing(t *testing.T) {
	db, log := chainOf(t, 0)
	// A trigger refuses one person's entries, as a full disk or a
	// constraint would refuse a write.
	tamper(t, db, `CREATE TRIGGER refuse BEFORE INSERT ON access_log WHEN NEW.person = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END`)
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := fmt.Sprint("p", i)
			if i%10 == 3 {
				p = "bad"
			}
			errs[i] = log.AppendAccess(context.Background(), &sesame.AccessEntry{At: time.Now(), Person: p, Actor: "operator:op", Action: "operator.read", Outcome: sesame.AccessAllowed})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("entry %d: %v", i, err)
		}
	}
	if _, err := log.AccessEntries(context.Background(), "p1", 10); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("reading while the table refuses entries: %v, want the cause", err)
	}
	tamper(t, db, `DROP TRIGGER refuse`)
	got, err := log.AccessEntries(context.Background(), "bad", 100)
	if err != nil || len(got) != 5 {
		t.Fatalf("after the cause is gone: %d entries of 'bad', %v; want 5", len(got), err)
	}
	if r := verify(t, log, ""); !r.OK || r.Entries != n {
		t.Fatalf("%+v", r)
	}
}

// TestAuditAppendCancelled: a caller whose request is gone gets an error
// (and must not serve the read); a cancelled context writes nothing.
func TestAuditAppendCancelled(t *testing.T) {
	_, log := chainOf(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := log.AppendAccess(ctx, &sesame.AccessEntry{At: time.Now(), Person: "p", Actor: "operator:op", Outcome: sesame.AccessAllowed}); err == nil {
		t.Fatal("append with a cancelled context succeeded")
	}
	if r := verify(t, log, ""); !r.OK || r.Entries != 1 {
		t.Fatalf("%+v", r)
	}
}

// TestAuditSyncFailureRefusesReads: after a failed background sync the
// kernel may have dropped acknowledged entries, so no later read may be
// logged (and so answered) until a restart; a new handle appends again.
func TestAuditSyncFailureRefusesReads(t *testing.T) {
	db := syncModeDB(t, SyncAfterWrite)
	log := db.AccessLog()
	j, _ := db.journal()
	j.syncFile = func(*os.File) error { return syscall.EIO }
	entry := func(reason string) *sesame.AccessEntry {
		return &sesame.AccessEntry{At: time.Now(), Person: "p1", Actor: "operator:op", Action: "operator.read", Outcome: sesame.AccessAllowed, Reason: reason}
	}
	if err := log.AppendAccess(context.Background(), entry("before")); err != nil {
		t.Fatalf("the write itself succeeded and is acknowledged: %v", err)
	}
	// The syncer records the failure after the write was acknowledged.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		j.mu.Lock()
		failed := j.failed != nil
		j.mu.Unlock()
		if failed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the failed sync was not recorded within 10 s")
		}
	}
	err := log.AppendAccess(context.Background(), entry("after"))
	var se *sesame.Error
	if !errors.Is(err, syscall.EIO) || !errors.As(err, &se) || se.Code != sesame.EUNAVAILABLE || !strings.Contains(se.Message, "until sesame restarts") {
		t.Fatalf("append after a failed sync: %v, want unavailable, caused by the sync's error", err)
	}
	path := db.path
	if err := db.Close(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("closing after a failed sync: %v, want the failure reported", err)
	}
	db2, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if err := db2.AccessLog().AppendAccess(context.Background(), entry("restarted")); err != nil {
		t.Fatal(err)
	}
	got, err := db2.AccessLog().AccessEntries(context.Background(), "p1", 10)
	if err != nil || len(got) != 2 || got[0].Reason != "restarted" || got[1].Reason != "before" {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	if r := verify(t, db2.AccessLog(), ""); !r.OK || r.Entries != 2 {
		t.Fatalf("%+v", r)
	}
}

// TestAccessJournalStats: what monitoring sees — no stats before first
// use; syncs counted (each-read syncs before answering); the indexer's lag
// grows with appends and is gone after indexing.
func TestAccessJournalStats(t *testing.T) {
	db := testDB(t)
	if _, ok := db.AccessJournalStats(); ok {
		t.Fatal("stats before the journal's first use")
	}
	if err := db.SetAccessLogSync(SyncEachRead); err != nil {
		t.Fatal(err)
	}
	log := db.AccessLog()
	for i := range 5 {
		if err := log.AppendAccess(context.Background(), &sesame.AccessEntry{At: time.Now(), Person: "p", Actor: "operator:op",
			Action: "operator.read", Outcome: sesame.AccessAllowed, Reason: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	st, ok := db.AccessJournalStats()
	if !ok || st.Mode != SyncEachRead || st.Syncs < 1 || st.SyncTime <= 0 || st.UnindexedBytes <= 0 || st.Failed {
		t.Fatalf("after 5 appends: %+v %v", st, ok)
	}
	if err := log.index(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.AccessJournalStats(); st.UnindexedBytes != 0 {
		t.Fatalf("after indexing: %+v, want no lag", st)
	}
}
