package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sesame-credit/sesame/audit"
)

// accessJournal is the durable front of the access log: a file next to
// the database (PATH-access) to which each group of entries is appended
// before any of their reads is answered, and fdatasync'ed before that too
// (SyncEachRead) or right after, in the background (SyncAfterWrite; see
// access_sync.go). The access_log table is filled from it in the
// background, in large transactions.
//
// Why not insert straight into access_log: every score read by an
// operator or partner writes an entry, and a SQLite commit per group cost
// far more than the read itself (a WAL frame per dirty page, the writer
// connection shared with ingestion, periodic checkpoints in the commit
// path). Appending a few hundred bytes and one fdatasync is the least a
// durable write can cost; indexing in batches of thousands amortises the
// rest. And a score read no longer queues behind an ingest batch for the
// one SQLite writer.
//
// The file holds one JSON line per entry, in chain order. Every change to
// it happens under an exclusive flock, so that several processes on one
// database (a server and a CLI, or two handles in one process) share one
// chain: the appender reads the head from the file's tail when the file is
// not as it left it, else from memory.
//
// The table access_journal (one row) says how far the file is indexed
// (offset) and counts truncations (gen). Indexing runs in two steps:
//
//  1. without the flock, the lines between offset and the file's end are
//     inserted (INSERT OR IGNORE: a line indexed twice is harmless) and
//     offset advances, in one transaction that first checks gen;
//  2. when the file has grown past journalTruncateAt, under the flock: the
//     few lines appended since are indexed, gen advances and offset goes
//     back to 0 in one transaction, then the file is truncated. A crash
//     between the commit and the truncation leaves lines that are indexed
//     again, harmlessly.
//
// After a crash of the process, every acknowledged entry is in the file
// (written, in the kernel's cache), so only a tail that was being written
// can be torn. After a crash of the machine, with SyncEachRead every
// acknowledged entry was fdatasync'ed, each sync covering every byte
// before it, so again only an unacknowledged tail can be missing; with
// SyncAfterWrite the entries written since the last sync may be missing or
// torn, in any order the kernel wrote their pages back. Either way, reading
// the file, the journal stops at the first line that does not parse or
// link to the one before and cuts it off there (keeping the bytes in a
// .cut file).
type accessJournal struct {
	db   *DB
	path string

	// mu orders this process's users of the file; the flock orders
	// processes. Held: f, size, seq, hash, buf, last, mem, memEnds,
	// memFrom, pending, lastAppend, failed, closed.
	mu   sync.Mutex
	f    *os.File
	size int64 // the file's size as this process last left it; -1 unknown
	seq  int64 // the chain's head: the last entry's seq and hash
	hash string
	buf  []byte
	last *syncTicket // the latest group written
	// mem holds the lines this process wrote, as written, from file
	// offset memFrom on, memEnds[i] being where line i ends: the indexer
	// takes them from here instead of reading and checking the file
	// again. Cleared whenever the file may not be what this process left.
	mem     []journalLine
	memEnds []int64
	memFrom int64

	// leased: this process keeps the flock between appends (afterWrite
	// only; see lockFile), so that an append is one write(2) instead of
	// flock, fstat, write and unlock: side by side, appends from 16
	// goroutines took 4.9–5.2 µs instead of 8.3–9.2
	// (BenchmarkAppendAccessParallel). While it is held nothing else can
	// change the file, so j still describes it. syncLoop ends the lease
	// before each sync, so another process (a CLI that logs a read, or
	// reads the log) gets the file between two syncs; flock is not fair,
	// and beside a server appending without pause such a process waited
	// 8–30 ms per append in TestAccessJournalLease (1.5 ms without the
	// lease), which an occasional CLI call can afford.
	leased bool

	// syncing counts syncs in flight; close waits for them.
	syncing sync.WaitGroup
	// afterWrite: groups are acknowledged once written, and syncLoop
	// fdatasyncs the file whenever syncWake says there is more. failed
	// is the first sync error: from then on every append fails.
	afterWrite  bool
	syncFile    func(*os.File) error // syncData; tests make it fail
	syncWake    chan struct{}
	syncStopped chan struct{}
	failed      error

	// pending counts bytes appended since the indexer was last woken;
	// when it passes journalIndexEvery the appender wakes the indexer,
	// which also runs once appends have paused for journalIndexIdle.
	pending    int64
	lastAppend time.Time
	wake       chan struct{}
	stopped    chan struct{} // closed when indexLoop returns
	// For monitoring (Stats): how far this process last indexed the
	// file, and the syncs made and their total time.
	indexedTo atomic.Int64
	syncs     atomic.Int64
	syncNanos atomic.Int64
	// indexMu lets one indexing run at a time in this process.
	indexMu sync.Mutex
	closed  bool
}

var (
	// journalIndexEvery is how much unindexed journal wakes the indexer
	// (about thirty thousand entries): large enough that a batch dirties
	// fewer index pages per entry (side by side with 1 MiB, the server's
	// CPU per score read went from 85–87 to 72–82 µs), small enough that
	// a person's view of their log, which indexes first, waits a fraction
	// of a second at worst; journalIndexIdle is how long appends pause
	// before the indexer runs anyway, so that on a quiet server it is
	// rarely that much.
	journalIndexEvery int64 = 8 << 20
	journalIndexIdle        = time.Second
	// journalTruncateAt is the size past which the indexer truncates the
	// file. A truncation holds up appends for its transaction and the
	// truncate itself, which drops the file's pages from the OS cache: at
	// 64 MiB the truncate alone took 26–33 ms; at 16 MiB the whole hold
	// took 12–27 ms on the 1M-people bench (not tried smaller: what is
	// left is mostly the commit, which a smaller file does not shorten).
	journalTruncateAt int64 = 16 << 20 // a variable for tests
	// journalTruncateSlack is how much may be left to index when a
	// truncation takes the lock (indexNow).
	journalTruncateSlack int64 = 64 << 10
)

// journal returns db's journal, opening its file on first use.
func (db *DB) journal() (*accessJournal, error) {
	db.journalOnce.Do(func() {
		j := &accessJournal{db: db, path: db.path + "-access", size: -1, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
		f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			db.journalErr = fmt.Errorf("sqlite: access journal: %w", err)
			return
		}
		j.f = f
		db.accessJournal = j
		go j.indexLoop()
		j.syncFile = syncData
		if db.openedSyncMode() == SyncAfterWrite {
			j.afterWrite = true
			j.syncWake, j.syncStopped = make(chan struct{}, 1), make(chan struct{})
			go j.syncLoop()
		}
	})
	return db.accessJournal, db.journalErr
}

func (j *accessJournal) lock() error {
	for {
		err := syscall.Flock(int(j.f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func (j *accessJournal) unlock() { syscall.Flock(int(j.f.Fd()), syscall.LOCK_UN) }

// lockFile takes the flock unless the lease holds it; unlockFile lets it
// go unless the lease keeps it; endLease lets it go. Hold j.mu.
func (j *accessJournal) lockFile() error {
	if j.leased {
		return nil
	}
	if err := j.lock(); err != nil {
		return fmt.Errorf("sqlite: access journal: lock: %w", err)
	}
	return nil
}

func (j *accessJournal) unlockFile() {
	if !j.leased {
		j.unlock()
	}
}

func (j *accessJournal) endLease() {
	if j.leased {
		j.leased = false
		j.unlock()
	}
}

// syncTicket is one written group's wait for durability. Syncs run
// concurrently (two at most, see accessWriter), but a group is
// acknowledged only once every group written before it is durable too:
// its entries link to theirs, and a chain with a hole is cut at the hole.
type syncTicket struct {
	prev *syncTicket
	done chan struct{}
	err  error
}

// write seals group's entries after the chain's head and writes them to
// the file. They may be acknowledged once sync(t) returns nil or, when
// the ticket is nil (afterWrite), at once.
func (j *accessJournal) write(group []*accessReq) (*syncTicket, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil, errors.New("sqlite: access journal: database closed")
	}
	if j.failed != nil {
		return nil, j.failed
	}
	held := j.leased
	if err := j.lockFile(); err != nil {
		return nil, err
	}
	if j.afterWrite {
		j.leased = true
	} else {
		defer j.unlockFile()
	}
	// Under a lease held since the last append, the file is as j says,
	// unless a write failed since (size -1).
	if !held || j.size < 0 {
		if err := j.catchUp(); err != nil {
			j.endLease()
			return nil, err
		}
	}
	seq, prev := j.seq, j.hash
	buf := j.buf[:0]
	if len(j.mem) == 0 || j.memEnds[len(j.memEnds)-1] != j.size {
		j.clearMem()
		j.memFrom = j.size
	}
	for _, r := range group {
		e := r.e
		seq++
		e.Seq = seq
		validUTF8(e)
		audit.Seal(prev, e)
		prev = e.Hash
		l := lineOf(e)
		buf = appendLine(buf, &l)
		j.mem = append(j.mem, l)
		j.memEnds = append(j.memEnds, j.size+int64(len(buf)))
	}
	j.buf = buf
	if _, err := j.f.Write(buf); err != nil {
		// Whatever part was written is cut off by the next reader, as a
		// torn tail is; none of it is acknowledged.
		j.size = -1
		j.clearMem()
		return nil, fmt.Errorf("sqlite: access journal: write: %w", err)
	}
	j.size += int64(len(buf))
	j.seq, j.hash = seq, prev
	j.pending += int64(len(buf))
	j.lastAppend = time.Now()
	if j.pending >= journalIndexEvery {
		j.pending = 0
		select {
		case j.wake <- struct{}{}:
		default:
		}
	}
	if j.afterWrite {
		select {
		case j.syncWake <- struct{}{}:
		default: // a sync is already due; it covers these bytes too
		}
		return nil, nil
	}
	t := &syncTicket{prev: j.last, done: make(chan struct{})}
	j.last = t
	j.syncing.Add(1)
	return t, nil
}

// sync makes t's group durable: fdatasync covers every byte written to the
// file before it, so it also covers the groups before t; t is acknowledged
// only when theirs succeeded as well.
func (j *accessJournal) sync(t *syncTicket) error {
	defer j.syncing.Done()
	err := j.timedSync()
	if err != nil {
		err = j.failSync(err)
	}
	if t.prev != nil {
		<-t.prev.done
		if err == nil {
			err = t.prev.err
		}
		t.prev = nil // let the chain of tickets be collected
	}
	t.err = err
	close(t.done)
	return err
}

// catchUp makes j.size, j.seq and j.hash describe the file as it is,
// which another process or a crash may have changed. Holds the flock.
func (j *accessJournal) catchUp() error {
	fi, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("sqlite: access journal: %w", err)
	}
	size := fi.Size()
	if size == j.size {
		return nil
	}
	from, seq, hash := int64(0), int64(0), ""
	if j.size >= 0 && size > j.size {
		// Only what was appended since we last looked is new.
		from, seq, hash = j.size, j.seq, j.hash
	} else {
		j.clearMem()
	}
	var tableSeq int64
	var tableHash string
	if from == 0 {
		// The file starts after the table's last indexed entry (or is
		// empty): the head before its first line is the table's.
		if tableSeq, tableHash, err = j.tableHead(); err != nil {
			return err
		}
		seq, hash = tableSeq, tableHash
	}
	good, seq, hash, err := j.scan(from, size, seq, hash, from == 0, nil)
	if err != nil {
		return err
	}
	if from > 0 && good < size {
		// What follows the offset we knew does not continue our chain
		// to the end. Another handle may have truncated the file and
		// written it past our offset again (its lines there are not
		// ours to cut), or a writer died mid-line: only a read from the
		// start tells which.
		j.size = -1
		return j.catchUp()
	}
	if from == 0 && good > 0 {
		// The journal's last line is normally at or past the table's
		// head. Behind it, the journal is stale: indexed, and the table
		// written since by something that does not know the journal (an
		// older sesame): the chain goes on from the table. At the same
		// seq with another hash, the two disagree on history and no
		// append may choose between them.
		switch {
		case seq < tableSeq:
			// Start the journal over after the table's head, so that its
			// lines link again from its first.
			if err := j.startOver(context.Background(), nil, good); err != nil {
				return err
			}
			j.seq, j.hash = tableSeq, tableHash
			return nil
		case seq == tableSeq && hash != tableHash:
			return fmt.Errorf("sqlite: access journal: %s and the access_log table hold different entries %d; run `sesame audit verify` and keep both files for inspection", j.path, seq)
		}
	}
	if good < size {
		// A torn tail from a crash: never acknowledged, cut off. Its bytes
		// are kept beside the journal rather than destroyed, in case they
		// are anything else.
		if err := j.keepCut(good, size); err != nil {
			return err
		}
		j.clearMem()
		if err := j.f.Truncate(good); err != nil {
			return fmt.Errorf("sqlite: access journal: cut a torn tail: %w", err)
		}
		if err := syncData(j.f); err != nil {
			return fmt.Errorf("sqlite: access journal: %w", err)
		}
	}
	j.size, j.seq, j.hash = good, seq, hash
	return nil
}

// keepCut copies the bytes [from, to) that are about to be cut off to
// PATH-access.cut-NANOS and says so in the log.
func (j *accessJournal) keepCut(from, to int64) error {
	data := make([]byte, to-from)
	if _, err := j.f.ReadAt(data, from); err != nil {
		return fmt.Errorf("sqlite: access journal: read a torn tail: %w", err)
	}
	name := j.path + ".cut-" + strconv.FormatInt(time.Now().UnixNano(), 10)
	if err := os.WriteFile(name, data, 0o600); err != nil {
		return fmt.Errorf("sqlite: access journal: keep a torn tail: %w", err)
	}
	slog.Warn("sqlite: access journal: cut off an incomplete tail (a write that was never acknowledged, as after a crash); its bytes are kept",
		"journal", j.path, "offset", from, "bytes", to-from, "kept_in", name)
	return nil
}

func (j *accessJournal) tableHead() (int64, string, error) {
	var seq int64
	var hash string
	err := j.db.reader.QueryRow(`SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("sqlite: access log head: %w", err)
	}
	return seq, hash, nil
}

// scan reads the lines in [from, to), each of which must link to the one
// before (seq, hash), and calls fn with each. It returns the offset after
// the last good line and the head there. With fresh, the first line may
// start anywhere at or after seq (lines already indexed may precede the
// table's head, and the table may be behind a journal whose offset row
// says otherwise); it links to whatever it names.
func (j *accessJournal) scan(from, to, seq int64, hash string, fresh bool, fn func(*journalLine) error) (int64, int64, string, error) {
	data := make([]byte, to-from)
	if _, err := j.f.ReadAt(data, from); err != nil {
		return 0, 0, "", fmt.Errorf("sqlite: access journal: read: %w", err)
	}
	good := from
	first := fresh
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			break
		}
		var l journalLine
		if json.Unmarshal(data[:nl], &l) != nil {
			break
		}
		e := l.entry()
		if audit.Hash(l.PrevHash, e) != l.Hash {
			break
		}
		if !first && (l.Seq != seq+1 || l.PrevHash != hash) {
			break
		}
		first = false
		if fn != nil {
			if err := fn(&l); err != nil {
				return 0, 0, "", err
			}
		}
		seq, hash = l.Seq, l.Hash
		good += int64(nl + 1)
		data = data[nl+1:]
	}
	return good, seq, hash, nil
}

// indexLoop indexes when woken, until the database closes.
func (j *accessJournal) indexLoop() {
	defer close(j.stopped)
	idle := time.NewTicker(journalIndexIdle)
	defer idle.Stop()
	for {
		select {
		case _, ok := <-j.wake:
			if !ok {
				return
			}
		case <-idle.C:
			j.mu.Lock()
			due := j.pending > 0 && time.Since(j.lastAppend) >= journalIndexIdle
			if due {
				j.pending = 0
			}
			j.mu.Unlock()
			if !due {
				continue
			}
		}
		if err := j.index(context.Background()); err != nil && !j.isClosed() {
			slog.Warn("sqlite: access journal: indexing failed; the entries stay in the journal and the next read or append retries", "err", err)
		}
	}
}

func (j *accessJournal) isClosed() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.closed
}

// index brings access_log up to the journal's end (step 1) and, when the
// file is large, truncates it (step 2). Readers of access_log call it
// first, so that they see every acknowledged entry.
func (j *accessJournal) index(ctx context.Context) error {
	if j.isClosed() {
		return errors.New("sqlite: access journal: database closed")
	}
	return j.indexNow(ctx)
}

// indexRun is what an indexing transaction does besides indexing.
type indexRun int

const (
	// runSweep, a regular run, also moves a range of people's rows from
	// access_recent on to access_person (access_index_raw.go).
	runSweep indexRun = iota
	// runCatchUp only indexes: the short runs before a truncation. The
	// sweep writes a page of access_person once for all the rows it
	// moves there, so sweeping more often writes more: with these runs
	// sweeping too, sesame serve's CPU per read averaged 52.8 against
	// 48.2 µs over six alternating runs; without, 50.0 against 51.6.
	runCatchUp
	// runTruncate indexes what is left and records the file's
	// truncation, under the lock that appends wait for: no sweep.
	runTruncate
)

func (j *accessJournal) indexNow(ctx context.Context) error {
	j.indexMu.Lock()
	defer j.indexMu.Unlock()
	end, stop, err := j.indexToEnd(ctx, runSweep)
	if err != nil || stop || end < journalTruncateAt {
		return err
	}
	// Step 2 holds the lock while it indexes what was appended since step
	// 1 read the end, so appends wait for it: catch up without the lock
	// first, while more than journalTruncateSlack came meanwhile, so that
	// they wait for a small tail, the commit and the truncation only. On
	// the 1M-people bench step 2 held the lock for 152 ms, indexing the
	// 1.4 MiB appended during step 1: the longest answer of the run.
	for range 4 {
		j.mu.Lock()
		behind := j.size - end
		j.mu.Unlock()
		if behind <= journalTruncateSlack {
			break
		}
		if end, stop, err = j.indexToEnd(ctx, runCatchUp); err != nil || stop {
			return err
		}
	}
	// Step 2, under the lock: index what came since, then truncate. The
	// writer connection is taken first: an ingest batch may hold it for
	// a while, and appends, which wait for the lock, must not wait for
	// that too.
	writer, err := j.db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: writer connection: %w", err)
	}
	defer writer.Close()
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.lockFile(); err != nil {
		return err
	}
	defer j.unlockFile()
	if err := j.catchUp(); err != nil {
		return err
	}
	return j.startOver(ctx, writer, j.size)
}

// indexToEnd is step 1: it reads where the file ends now, under the lock
// (so that no truncation is half done), and indexes up to there without
// it. stop says that the table is ahead of the file: a step 2's
// truncation was committed after this run read the file, and the next
// run sees both.
func (j *accessJournal) indexToEnd(ctx context.Context, mode indexRun) (end int64, stop bool, err error) {
	j.mu.Lock()
	if err := j.lockFile(); err != nil {
		j.mu.Unlock()
		return 0, false, err
	}
	err = j.catchUp()
	end = j.size
	j.unlockFile()
	j.mu.Unlock()
	if err != nil {
		return 0, false, err
	}
	gen, offset, err := j.position(ctx)
	if err != nil {
		return 0, false, err
	}
	if offset > end {
		return end, true, nil
	}
	if offset < end {
		j.mu.Lock()
		lines := j.memLines(offset, end)
		j.mu.Unlock()
		if err := j.indexRange(ctx, nil, gen, offset, end, mode, lines); err != nil {
			return 0, false, err
		}
	}
	return end, false, nil
}

// startOver indexes the lines up to end that the table does not have yet
// and, in the same transaction, records the file's truncation; then
// truncates it. Holds j.mu and the flock, so nothing is appended meanwhile.
func (j *accessJournal) startOver(ctx context.Context, writer *sql.Conn, end int64) error {
	gen, offset, err := j.position(ctx)
	if err != nil {
		return err
	}
	if offset > end {
		offset = 0
	}
	if err := j.indexRange(ctx, writer, gen, offset, end, runTruncate, j.memLines(offset, end)); err != nil {
		return err
	}
	j.clearMem()
	if err := j.f.Truncate(0); err != nil {
		j.size = -1
		return fmt.Errorf("sqlite: access journal: truncate: %w", err)
	}
	j.size = 0
	return nil
}

func (j *accessJournal) clearMem() {
	clear(j.mem) // let the strings go
	j.mem, j.memEnds, j.memFrom = j.mem[:0], j.memEnds[:0], -1
}

// memLines returns the lines of [from, to) if this process holds them,
// each line whole. Holds j.mu.
func (j *accessJournal) memLines(from, to int64) []journalLine {
	if len(j.mem) == 0 || from < j.memFrom || to > j.memEnds[len(j.memEnds)-1] {
		return nil
	}
	i, k := 0, len(j.memEnds)
	if from > j.memFrom {
		i = sort.Search(len(j.memEnds), func(n int) bool { return j.memEnds[n] >= from })
		if i == len(j.memEnds) || j.memEnds[i] != from {
			return nil
		}
		i++
	}
	k = sort.Search(len(j.memEnds), func(n int) bool { return j.memEnds[n] >= to })
	if k == len(j.memEnds) || j.memEnds[k] != to {
		return nil
	}
	return append([]journalLine(nil), j.mem[i:k+1]...)
}

// forgetMem drops the lines that end at or before to: they are indexed.
func (j *accessJournal) forgetMem(to int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.mem) == 0 || to <= j.memFrom {
		return
	}
	k := sort.Search(len(j.memEnds), func(n int) bool { return j.memEnds[n] >= to })
	if k == len(j.memEnds) || j.memEnds[k] != to {
		return
	}
	n := copy(j.mem, j.mem[k+1:])
	clear(j.mem[n:])
	j.mem = j.mem[:n]
	j.memEnds = j.memEnds[:copy(j.memEnds, j.memEnds[k+1:])]
	j.memFrom = to
}

func (j *accessJournal) position(ctx context.Context) (gen, offset int64, err error) {
	err = j.db.reader.QueryRowContext(ctx, `SELECT gen, offset FROM access_journal WHERE id = 1`).Scan(&gen, &offset)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: access journal position: %w", err)
	}
	return gen, offset, nil
}

// indexRange inserts the journal's lines in [from, to) — lines, when the
// caller has them from memLines, else read from the file — into access_log and
// records how far the file is indexed, in one transaction that first
// checks that the file was not truncated since gen was read (if it was,
// nothing is done: the next run starts afresh). For runTruncate, it
// records the truncation instead (gen+1, offset 0). The transaction runs
// on the raw connection (access_index_raw.go).
func (j *accessJournal) indexRange(ctx context.Context, writer *sql.Conn, gen, from, to int64, mode indexRun, lines []journalLine) error {
	applied, err := j.db.indexAccessRaw(ctx, writer, gen, to, mode, func(add func(*journalLine) error) error {
		if lines != nil {
			for i := range lines {
				if err := add(&lines[i]); err != nil {
					return err
				}
			}
			return nil
		}
		_, _, _, err := j.scan(from, to, 0, "", true, add)
		return err
	})
	if err != nil {
		return err
	}
	if applied {
		if mode == runTruncate {
			j.indexedTo.Store(0)
		} else {
			j.forgetMem(to)
			j.indexedTo.Store(to)
		}
	}
	return nil
}

// close stops appends and the indexer, indexes what is left (the file
// keeps it if that fails: the next open indexes it) and closes the file.
func (j *accessJournal) close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	close(j.wake)
	if j.afterWrite {
		close(j.syncWake)
	}
	j.mu.Unlock()
	j.syncing.Wait()
	if j.afterWrite {
		<-j.syncStopped
	}
	<-j.stopped
	err := j.indexNow(context.Background())
	j.mu.Lock()
	j.endLease()
	failed := j.failed // a sync that failed, the last one included
	j.mu.Unlock()
	return errors.Join(failed, err, j.f.Close())
}
