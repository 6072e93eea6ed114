package sqlite

/*
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

extern int sqlite3_bind_text(sqlite3_stmt*, int, const char*, int, void(*)(void*));
extern int sqlite3_step(sqlite3_stmt*);
extern int sqlite3_reset(sqlite3_stmt*);
extern int sqlite3_finalize(sqlite3_stmt*);
extern const void *sqlite3_column_blob(sqlite3_stmt*, int);
extern int sqlite3_column_bytes(sqlite3_stmt*, int);
extern void *memcpy(void*, const void*, unsigned long);

// sesame_latest looks person up with st (SELECT body … WHERE person = ?)
// and copies the body into buf when it fits, all in one call from Go. It
// returns SQLITE_ROW (100) with *n the body's size (copied only when
// *n <= cap), SQLITE_DONE (101) when there is no row, or an error code.
// The statement is reset before returning, so that no read transaction
// stays open between lookups (it would hold back WAL checkpoints).
static int sesame_latest(sqlite3_stmt *st, const char *person, int plen, unsigned char *buf, int cap, int *n) {
	// SQLITE_TRANSIENT: SQLite copies person, so that the statement keeps
	// no pointer into Go memory once this call returns.
	int rc = sqlite3_bind_text(st, 1, person, plen, (void(*)(void*))-1);
	if (rc != 0) {
		return rc;
	}
	rc = sqlite3_step(st);
	if (rc == 100) {
		int size = sqlite3_column_bytes(st, 0);
		*n = size;
		if (size <= cap && size > 0) {
			memcpy(buf, sqlite3_column_blob(st, 0), (unsigned long)size);
		}
	}
	int reset = sqlite3_reset(st);
	if (rc != 100 && rc != 101) {
		return reset != 0 ? reset : rc;
	}
	return rc;
}
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"github.com/sesame-credit/sesame"
)

// latestReader serves LatestScoreJSON, the hottest read of the API (every
// GET …/score), from read-only connections of its own with the lookup
// prepared once: one cgo call per read, and no database/sql pool,
// driver.Rows or reflection-driven Scan in between. The answer is the
// same as encoding/json makes of the score (TestLatestScoreJSONRaw).
type latestReader struct {
	path string
	mu   sync.Mutex
	idle []*latestConn
	max  int // idle connections kept
	shut bool
}

type latestConn struct {
	rc  *rawConn
	st  *C.sqlite3_stmt
	buf []byte // reused: most bodies are about a kilobyte
}

func newLatestReader(path string) *latestReader {
	return &latestReader{path: path, max: max(4, 2*runtime.GOMAXPROCS(0))}
}

// get returns an idle connection or opens one: a read never queues behind
// another. put keeps up to max idle and closes the rest.
func (l *latestReader) get() (*latestConn, error) {
	l.mu.Lock()
	if l.shut {
		l.mu.Unlock()
		return nil, fmt.Errorf("sqlite: latest score: database closed")
	}
	if n := len(l.idle); n > 0 {
		c := l.idle[n-1]
		l.idle = l.idle[:n-1]
		l.mu.Unlock()
		return c, nil
	}
	l.mu.Unlock()
	return openLatestConn(l.path)
}

func (l *latestReader) put(c *latestConn) {
	l.mu.Lock()
	if !l.shut && len(l.idle) < l.max {
		l.idle = append(l.idle, c)
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	c.close()
}

func openLatestConn(path string) (*latestConn, error) {
	// A point lookup touches a handful of pages; a smaller cache than a
	// scan's keeps the interior pages, and the OS cache has the rest.
	rc, err := openRawConn(path, false, "PRAGMA cache_size = -16384")
	if err != nil {
		return nil, err
	}
	st, err := rc.prepare(`SELECT body FROM score_latest WHERE person = ?`)
	if err != nil {
		rc.close()
		return nil, err
	}
	return &latestConn{rc: rc, st: st, buf: make([]byte, 16<<10)}, nil
}

func (c *latestConn) close() {
	C.sqlite3_finalize(c.st)
	c.rc.close()
}

// lookup returns the person's latest body with room for one more byte
// (the API appends a newline), or nil when they have none.
func (c *latestConn) lookup(person string) ([]byte, error) {
	if len(person) == 0 {
		return nil, nil
	}
	for {
		var n C.int
		p := (*C.char)(unsafe.Pointer(unsafe.StringData(person)))
		rc := C.sesame_latest(c.st, p, C.int(len(person)), (*C.uchar)(unsafe.Pointer(&c.buf[0])), C.int(len(c.buf)), &n)
		switch rc {
		case 101:
			return nil, nil
		case 100:
		default:
			return nil, c.rc.err("latest score", rc)
		}
		size := int(n)
		if size > len(c.buf) {
			// A body larger than the buffer: grow it and read again.
			c.buf = make([]byte, size)
			continue
		}
		out := make([]byte, size, size+1)
		copy(out, c.buf[:size])
		return out, nil
	}
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := db.latest.get()
	if err != nil {
		return nil, err
	}
	body, err := c.lookup(person)
	if err != nil {
		c.close() // not back to the pool: its state is unknown
		return nil, fmt.Errorf("sqlite: latest score: %w", err)
	}
	db.latest.put(c)
	if body == nil {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no score for person %q yet", person)
	}
	return body, nil
}
