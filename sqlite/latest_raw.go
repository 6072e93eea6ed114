package sqlite

/*
#include "sesame_sqlite3.h"

static int sesame_run(sqlite3_stmt *st) {
	int rc = sqlite3_step(st);
	int reset = sqlite3_reset(st);
	if (rc == 101) return 0;
	return reset != 0 ? reset : rc;
}

// sesame_latest looks person up and copies their body into buf when it
// fits, all in one call from Go: first under their key (bykey: SELECT
// person, body … WHERE person_key = ?), and when someone else or no one
// is stored there, through the person index (byperson: SELECT body …
// WHERE person = ?; see person_key.go). It returns SQLITE_ROW (100) with
// *n the body's size (copied only when *n <= cap), SQLITE_DONE (101) when
// there is no row, or an error code. The lookup runs in the connection's
// open read transaction (begin, a prepared BEGIN, starts one when there
// is none); with renew, the one open is first ended (end: a prepared
// COMMIT), so that the lookup sees the database as it is now.
static int sesame_latest(sqlite3_stmt *bykey, sqlite3_stmt *byperson, sqlite3_stmt *begin, sqlite3_stmt *end,
		int renew, long long key, const char *person, int plen, unsigned char *buf, int cap, int *n) {
	sqlite3 *db = sqlite3_db_handle(bykey);
	int rc;
	if (renew && !sqlite3_get_autocommit(db) && (rc = sesame_run(end)) != 0) {
		return rc;
	}
	if (sqlite3_get_autocommit(db) && (rc = sesame_run(begin)) != 0) {
		return rc;
	}
	sqlite3_stmt *st = bykey;
	int col = 1;
	rc = sqlite3_bind_int64(bykey, 1, key);
	if (rc != 0) {
		return rc;
	}
	rc = sqlite3_step(bykey);
	if (rc != 100 || sqlite3_column_bytes(bykey, 0) != plen || memcmp(sqlite3_column_blob(bykey, 0), person, (unsigned long)plen) != 0) {
		int reset = sqlite3_reset(bykey);
		if (rc != 100 && rc != 101) {
			return reset != 0 ? reset : rc;
		}
		// SQLITE_TRANSIENT: SQLite copies person, so that the statement
		// keeps no pointer into Go memory once this call returns.
		st = byperson;
		col = 0;
		rc = sqlite3_bind_text(st, 1, person, plen, (void(*)(void*))-1);
		if (rc != 0) {
			return rc;
		}
		rc = sqlite3_step(st);
	}
	if (rc == 100) {
		int size = sqlite3_column_bytes(st, col);
		*n = size;
		if (size <= cap && size > 0) {
			memcpy(buf, sqlite3_column_blob(st, col), (unsigned long)size);
		}
	}
	int reset = sqlite3_reset(st);
	if (rc != 100 && rc != 101) {
		return reset != 0 ? reset : rc;
	}
	return rc;
}

// sesame_end_read ends the connection's read transaction, if any.
static int sesame_end_read(sqlite3_stmt *end) {
	if (sqlite3_get_autocommit(sqlite3_db_handle(end))) return 0;
	return sesame_run(end);
}
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/sesame-credit/sesame"
)

// latestReader serves LatestScoreJSON, the hottest read of the API (every
// GET …/score), from read-only connections of its own with the lookup
// prepared once: one cgo call per read, and no database/sql pool,
// driver.Rows or reflection-driven Scan in between. The answer is the
// same as encoding/json makes of the score (TestLatestScoreJSONRaw).
//
// Each connection keeps its read transaction open across lookups (a
// snapshot), renewed when this process has committed a write to the file
// since it began (DB.commits, read by latestJSON), or once it is maxSnapshotAge old. Starting a read
// transaction per lookup cost two fcntl locks and an fstat, and with them
// the lookup took 11.9–12.1 µs instead of 8.6–9.4 (BenchmarkLatestScoreJSON
// on a million people, one goroutine). A lookup therefore sees every write this process
// committed before it, and other processes' writes (a `sesame rescore`
// beside the server) within maxSnapshotAge. Idle connections end their
// snapshots as soon as they are that old, so that none holds back the
// WAL's checkpoints and restarts for longer.
type latestReader struct {
	path string
	// slots holds a place for each connection in use: at most its
	// capacity are open, and a lookup beyond waits for one (for
	// microseconds: a lookup is a few page reads). Opening more under
	// load, and closing them after, cost more than the wait: each new
	// connection started with a cold cache, and on a million people one
	// was opened every 27 lookups.
	slots chan struct{}
	mu    sync.Mutex
	idle  []*latestConn
	shut  bool
	// sweeping: a sweep of idle snapshots is scheduled.
	sweeping bool
	opened   atomic.Int64 // connections opened, for tests
}

// maxSnapshotAge bounds how long a lookup connection keeps one snapshot.
const maxSnapshotAge = 10 * time.Millisecond

type latestConn struct {
	rc         *rawConn
	byKey      *C.sqlite3_stmt // the lookup under the person's key
	byPerson   *C.sqlite3_stmt // and through the person index
	begin, end *C.sqlite3_stmt // BEGIN and COMMIT: the snapshot's start and end
	buf        []byte          // reused: most bodies are about a kilobyte
	// The open snapshot: when it began and the commit generation then.
	snapshot bool
	since    time.Time
	gen      uint64
}

// latestConns is how many lookup connections a reader keeps: one per
// processor and one more, for a lookup that waits for the disk. Each
// connection has a page cache of its own, holding the same interior
// pages of the table; with fewer of them those pages stay in the CPU's
// caches: on the 1M-people bench (2 processors), sesame serve's CPU per
// score read was 37.6–40.7 µs with 3 connections, 39.9–40.0 with 4 and
// 41.9–47.8 with 8, in alternating runs.
func latestConns() int { return runtime.GOMAXPROCS(0) + 1 }

func newLatestReader(path string) *latestReader {
	return &latestReader{path: path, slots: make(chan struct{}, latestConns())}
}

// get returns an idle connection, or opens one while fewer than the
// reader's slots are open, or waits for one to be put back.
func (l *latestReader) get(ctx context.Context) (*latestConn, error) {
	select {
	case l.slots <- struct{}{}:
	default:
		// Only a lookup that has to wait watches its context: the
		// server's request contexts make their timer on the first Done.
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l.mu.Lock()
	if l.shut {
		l.mu.Unlock()
		<-l.slots
		return nil, fmt.Errorf("sqlite: latest score: database closed")
	}
	if n := len(l.idle); n > 0 {
		c := l.idle[n-1]
		l.idle = l.idle[:n-1]
		l.mu.Unlock()
		return c, nil
	}
	l.mu.Unlock()
	c, err := openLatestConn(l.path)
	if err != nil {
		<-l.slots
		return nil, err
	}
	l.opened.Add(1)
	return c, nil
}

// put gives c back; drop, after an error, closes it instead.
func (l *latestReader) put(c *latestConn) {
	l.mu.Lock()
	if l.shut {
		l.mu.Unlock()
		c.close()
		<-l.slots
		return
	}
	l.idle = append(l.idle, c)
	if c.snapshot && !l.sweeping {
		l.sweeping = true
		time.AfterFunc(maxSnapshotAge, l.sweep)
	}
	l.mu.Unlock()
	<-l.slots
}

func (l *latestReader) drop(c *latestConn) {
	c.close()
	<-l.slots
}

// sweep ends the snapshots of idle connections that are maxSnapshotAge
// old, and comes back for the younger ones.
func (l *latestReader) sweep() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweeping = false
	if l.shut {
		return
	}
	var next time.Duration
	kept := l.idle[:0]
	for _, c := range l.idle {
		if c.snapshot {
			if age := time.Since(c.since); age < maxSnapshotAge {
				if next == 0 || maxSnapshotAge-age < next {
					next = maxSnapshotAge - age
				}
			} else if C.sesame_end_read(c.end) == 0 {
				c.snapshot = false
			} else {
				// Its state is unknown: closed, and a new one opens when
				// needed (idle connections hold no slot).
				c.close()
				continue
			}
		}
		kept = append(kept, c)
	}
	clear(l.idle[len(kept):])
	l.idle = kept
	if next > 0 {
		l.sweeping = true
		time.AfterFunc(next, l.sweep)
	}
}

func openLatestConn(path string) (*latestConn, error) {
	// A point lookup touches a handful of pages; a smaller cache than a
	// scan's keeps the interior pages, and the OS cache has the rest.
	rc, err := openRawConn(path, false, "PRAGMA cache_size = -16384")
	if err != nil {
		return nil, err
	}
	c := &latestConn{rc: rc, buf: make([]byte, 16<<10)}
	for _, p := range []struct {
		st **C.sqlite3_stmt
		q  string
	}{
		{&c.byKey, `SELECT person, body FROM score_latest WHERE person_key = ?`},
		{&c.byPerson, `SELECT body FROM score_latest WHERE person = ?`},
		{&c.begin, `BEGIN`}, {&c.end, `COMMIT`},
	} {
		if *p.st, err = rc.prepare(p.q); err != nil {
			c.close()
			return nil, err
		}
	}
	return c, nil
}

func (c *latestConn) close() {
	for _, st := range []*C.sqlite3_stmt{c.byKey, c.byPerson, c.begin, c.end} {
		if st != nil {
			C.sqlite3_finalize(st)
		}
	}
	c.rc.close() // rolls back a snapshot still open
}

// lookup appends the person's latest body to dst; found is false when
// they have none. It sees every commit of this process that ended before
// the commit generation was gen.
func (c *latestConn) lookup(dst []byte, person string, gen uint64) (_ []byte, found bool, err error) {
	if len(person) == 0 {
		return dst, false, nil
	}
	now := time.Now()
	renew := c.snapshot && (gen > c.gen || now.Sub(c.since) >= maxSnapshotAge)
	for {
		var n C.int
		p := (*C.char)(unsafe.Pointer(unsafe.StringData(person)))
		rc := C.sesame_latest(c.byKey, c.byPerson, c.begin, c.end, boolInt(renew), C.longlong(personKey(person)),
			p, C.int(len(person)), (*C.uchar)(unsafe.Pointer(&c.buf[0])), C.int(len(c.buf)), &n)
		if rc != 100 && rc != 101 {
			c.snapshot = false
			return dst, false, c.rc.err("latest score", rc)
		}
		if !c.snapshot || renew {
			c.snapshot, c.since, c.gen, renew = true, now, gen, false
		}
		if rc == 101 {
			return dst, false, nil
		}
		size := int(n)
		if size > len(c.buf) {
			// A body larger than the buffer: grow it and read again (in
			// the same snapshot).
			c.buf = make([]byte, size)
			continue
		}
		return append(dst, c.buf[:size]...), true, nil
	}
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func (l *latestReader) close() {
	l.mu.Lock()
	l.shut = true
	idle := l.idle
	l.idle = nil
	l.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
}

// latestJSON is LatestScoreJSON on the raw connections.
func (db *DB) latestJSON(ctx context.Context, person string) ([]byte, error) {
	return db.appendLatestJSON(ctx, nil, person)
}

// appendLatestJSON appends the person's latest body to dst: from the cache
// when it is on and has them, else from a lookup connection.
func (db *DB) appendLatestJSON(ctx context.Context, dst []byte, person string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	cache := db.cache.Load()
	var fill fillToken
	if cache != nil {
		var hit bool
		if dst, hit = cache.get(dst, person); hit {
			return dst, nil
		}
		// Before the generation: a write through after this makes the
		// fill below a no-op (latest_cache.go).
		fill = cache.beginFill(person)
	}
	// Read before the lookup's snapshot may start: a commit that ends
	// after this load moves the generation on, and the next lookup renews.
	gen := db.commits.Load()
	c, err := db.latest.get(ctx)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	dst, found, err := c.lookup(dst, person, gen)
	if err != nil {
		db.latest.drop(c) // not back to the pool: its state is unknown
		return dst, fmt.Errorf("sqlite: latest score: %w", err)
	}
	db.latest.put(c)
	if !found {
		return dst, sesame.Errorf(sesame.ENOTFOUND, "no score for person %q yet", person)
	}
	if cache != nil {
		cache.fill(person, dst[start:], fill)
	}
	return dst, nil
}
