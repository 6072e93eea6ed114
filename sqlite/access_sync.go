package sqlite

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sesame-credit/sesame"
)

// AccessLogSync says what must have happened to an access entry before
// the read it records is answered.
type AccessLogSync int

const (
	// SyncAfterWrite answers a read once its entry is written to the
	// journal: in the kernel's page cache, where it survives the crash of
	// any process (kill -9 included). A syncer fdatasyncs the journal in
	// the background (syncLoop), so that after the machine itself fails
	// (power, kernel) at most the entries of the last ten milliseconds or
	// so can be missing. One failed sync stops every later read (fail
	// closed), since the kernel may have dropped the pages it could not
	// write.
	SyncAfterWrite AccessLogSync = iota
	// SyncEachRead answers a read only once its entry is fdatasync'ed: no
	// answered read goes unlogged even if the machine fails, at the cost
	// of a disk flush in every read's latency (shared by the reads of a
	// group).
	SyncEachRead
)

// ParseAccessLogSync reads the names that String gives.
func ParseAccessLogSync(s string) (AccessLogSync, error) {
	switch s {
	case "after-write":
		return SyncAfterWrite, nil
	case "each-read":
		return SyncEachRead, nil
	}
	return 0, fmt.Errorf("access log sync %q: want after-write or each-read", s)
}

func (m AccessLogSync) String() string {
	if m == SyncEachRead {
		return "each-read"
	}
	return "after-write"
}

// SetAccessLogSync chooses when access entries must be on disk (the
// default is SyncAfterWrite). It fails once an access has been logged or
// the log read: the journal runs in one mode for its whole life.
func (db *DB) SetAccessLogSync(m AccessLogSync) error {
	db.accessSyncMu.Lock()
	defer db.accessSyncMu.Unlock()
	if db.accessSyncFixed {
		return errors.New("sqlite: the access log's sync mode can only be set before its first use")
	}
	db.accessSync = m
	return nil
}

// openedSyncMode returns the mode the journal opens in, and fixes it.
func (db *DB) openedSyncMode() AccessLogSync {
	db.accessSyncMu.Lock()
	defer db.accessSyncMu.Unlock()
	db.accessSyncFixed = true
	return db.accessSync
}

// afterWriteSyncEvery is the least time between two background syncs: at
// most 100 a second, each covering every entry written before it. At
// 2 ms (500 a second) the syncs were 5% of sesame serve's CPU under load
// on the 1M-people bench (perf; about 120 µs of CPU a sync, as much as
// two score reads), for a window of loss after a machine crash that
// stays at about ten milliseconds now — where PostgreSQL's asynchronous
// commit takes up to three times wal_writer_delay (600 ms by default).
const afterWriteSyncEvery = 10 * time.Millisecond

// syncLoop makes written entries durable in the background (afterWrite):
// each fdatasync covers every byte written before it starts, and a wake
// that arrives during one starts the next, at least afterWriteSyncEvery
// after the one before: a written entry is on disk within the sync in
// progress, the pause and its own sync, about ten milliseconds.
func (j *accessJournal) syncLoop() {
	defer close(j.syncStopped)
	var last time.Time
	for range j.syncWake {
		if wait := afterWriteSyncEvery - time.Since(last); wait > 0 {
			time.Sleep(wait)
		}
		last = time.Now()
		// Let another process have the file between two syncs.
		j.mu.Lock()
		j.endLease()
		j.mu.Unlock()
		if err := j.timedSync(); err != nil {
			j.failSync(err)
		}
	}
}

// failSync records that an fdatasync failed and returns the error every
// append gets from now on. The kernel may have dropped the pages it could
// not write (Linux marks them clean): what was acknowledged since the last
// good sync is in doubt, so the journal stops here rather than go on as if
// it were not, in either mode, until sesame restarts and reads the file anew.
func (j *accessJournal) failSync(err error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failed == nil {
		// Callers see a 503 (the unavailable code); the cause stays in
		// the chain for the log and errors.Is.
		j.failed = errors.Join(
			sesame.Errorf(sesame.EUNAVAILABLE, "the access log could not be made durable, so reads that must be logged are refused until sesame restarts"),
			fmt.Errorf("sqlite: access journal %s: fdatasync: %w", j.path, err))
		j.size = -1
		j.clearMem()
		j.endLease() // no more appends here: others may go on
		slog.Error("sqlite: access journal: fdatasync failed; every read that needs an access entry is refused until restart", "journal", j.path, "err", err)
	}
	return j.failed
}

// timedSync fdatasyncs the journal, counting it for Stats.
func (j *accessJournal) timedSync() error {
	t0 := time.Now()
	err := j.syncFile(j.f)
	j.syncNanos.Add(int64(time.Since(t0)))
	j.syncs.Add(1)
	return err
}

// AccessJournalStats is what the access journal tells an operator's
// monitoring (`sesame serve` exports it as Prometheus metrics).
type AccessJournalStats struct {
	Mode AccessLogSync
	// UnindexedBytes is how much of the journal this process has not yet
	// seen indexed into access_log: the indexer's lag.
	UnindexedBytes int64
	// Syncs counts fdatasyncs of the journal, SyncTime their total time.
	Syncs    int64
	SyncTime time.Duration
	// Failed: a sync failed, and logged reads are refused until restart.
	Failed bool
}

// AccessJournalStats reports on the access journal; ok is false until the
// journal is first used.
func (db *DB) AccessJournalStats() (st AccessJournalStats, ok bool) {
	db.accessSyncMu.Lock()
	opened := db.accessSyncFixed
	db.accessSyncMu.Unlock()
	if !opened {
		return st, false
	}
	j, err := db.journal()
	if err != nil {
		return st, false
	}
	j.mu.Lock()
	size, failed := j.size, j.failed != nil
	j.mu.Unlock()
	st = AccessJournalStats{Mode: SyncEachRead, Syncs: j.syncs.Load(), SyncTime: time.Duration(j.syncNanos.Load()), Failed: failed}
	if j.afterWrite {
		st.Mode = SyncAfterWrite
	}
	if size >= 0 {
		st.UnindexedBytes = max(0, size-j.indexedTo.Load())
	}
	return st, true
}
