package sqlite

/*
#include "sesame_sqlite3.h"

// One event to insert: offsets into the batch's byte buffer (source, id,
// person, kind, payload, then the 32-byte fingerprint) and its numbers.
typedef struct {
	int off[6], len[6];
	long long occurred, tz, version;
} sesame_append_row;

// sesame_insert_rows runs the insert statement st (insertEventSQL) for
// rows[0..n) in one call from Go: bind, step, reset. inserted[i] is set to
// 1 when row i was stored, 0 when its key was already there. It returns n,
// or the index of the row that failed with *rc its error code.
static int sesame_insert_rows(sqlite3 *db, sqlite3_stmt *st, const unsigned char *buf, const sesame_append_row *rows, int n,
		long long recorded, unsigned char *inserted, int *rc) {
	for (int i = 0; i < n; i++) {
		const sesame_append_row *r = &rows[i];
		int c = 0;
		// SQLITE_STATIC: buf outlives each step; the binding is replaced
		// before the next one and the statement reset after it.
		for (int k = 0; k < 4 && c == 0; k++) {
			c = sqlite3_bind_text(st, k + 1, (const char*)buf + r->off[k], r->len[k], (void(*)(void*))0);
		}
		if (c == 0) c = sqlite3_bind_int64(st, 5, r->occurred);
		if (c == 0) c = sqlite3_bind_int64(st, 6, r->tz);
		if (c == 0) c = sqlite3_bind_int64(st, 7, recorded);
		if (c == 0) c = sqlite3_bind_int64(st, 8, r->version);
		if (c == 0) c = sqlite3_bind_blob(st, 9, buf + r->off[4], r->len[4], (void(*)(void*))0);
		if (c == 0) c = sqlite3_bind_blob(st, 10, buf + r->off[5], r->len[5], (void(*)(void*))0);
		if (c != 0) {
			sqlite3_reset(st);
			*rc = c;
			return i;
		}
		c = sqlite3_step(st);
		if (c != 101) { // SQLITE_DONE
			sqlite3_reset(st);
			*rc = c;
			return i;
		}
		inserted[i] = sqlite3_changes(db) == 1;
		sqlite3_reset(st);
	}
	return n;
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/sesame-credit/sesame"
)

// rawAppender inserts a batch of events on a read-write connection of its
// own, all rows in one call into C: the database/sql driver would cross
// into C once per bound value and once per step, and that per-row toll was
// a fifth of the writer's time on `sesame ingest`, where the one writer is
// the bottleneck. It is used only while the pool's writer connection is
// held (EventStore.Append), so the two never write at once; SQLite's own
// write lock (BEGIN IMMEDIATE) still guards against other processes.
type rawAppender struct {
	mu     sync.Mutex
	rc     *rawConn
	insert *C.sqlite3_stmt
	rows   []C.sesame_append_row
	buf    []byte
	marks  []byte
}

func openRawAppender(path string) (*rawAppender, error) {
	rc, err := openRawConn(path, true,
		"PRAGMA synchronous = FULL", // every acknowledged batch survives a crash
		"PRAGMA cache_size = -131072",
		fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walBoundPages))
	if err != nil {
		return nil, err
	}
	st, err := rc.prepare(insertEventSQL)
	if err != nil {
		rc.close()
		return nil, err
	}
	return &rawAppender{rc: rc, insert: st}, nil
}

// appendRows stores events (rows holding their canonical payloads and
// fingerprints) in one transaction stamped recorded, and reports which
// were new: the others' keys were already stored (or came earlier in the
// batch). Nothing is stored when it fails.
func (a *rawAppender) appendRows(events []sesame.Event, rows []row, recorded int64) ([]bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pack(events, rows)
	if err := a.rc.exec("BEGIN IMMEDIATE"); err != nil {
		return nil, err
	}
	var code C.int
	n := len(events)
	done := int(C.sesame_insert_rows(a.rc.db, a.insert, (*C.uchar)(unsafe.Pointer(unsafe.SliceData(a.buf))), unsafe.SliceData(a.rows), C.int(n),
		C.longlong(recorded), (*C.uchar)(unsafe.Pointer(unsafe.SliceData(a.marks))), &code))
	if done != n {
		err := a.rc.err(fmt.Sprintf("insert event %d", done), code)
		a.rc.exec("ROLLBACK")
		return nil, err
	}
	if err := a.rc.exec("COMMIT"); err != nil {
		a.rc.exec("ROLLBACK")
		return nil, err
	}
	inserted := make([]bool, n)
	for i, m := range a.marks[:n] {
		inserted[i] = m == 1
	}
	return inserted, nil
}

// pack lays the batch's strings and blobs end to end in a.buf (no Go
// pointers cross into C) and describes each row in a.rows.
func (a *rawAppender) pack(events []sesame.Event, rows []row) {
	size := 0
	for i := range events {
		e := &events[i]
		size += len(e.Source) + len(e.ID) + len(e.Person) + len(e.Kind) + len(rows[i].payload) + len(rows[i].fingerprint)
	}
	buf := a.buf[:0]
	if cap(buf) < size+1 {
		buf = make([]byte, 0, size+1)
	}
	if cap(a.rows) < len(events) {
		a.rows = make([]C.sesame_append_row, len(events))
		a.marks = make([]byte, len(events))
	}
	a.rows, a.marks = a.rows[:len(events)], a.marks[:len(events)]
	for i := range events {
		e, r := &events[i], &a.rows[i]
		put := func(k int, s string) {
			r.off[k], r.len[k] = C.int(len(buf)), C.int(len(s))
			buf = append(buf, s...)
		}
		put(0, e.Source)
		put(1, e.ID)
		put(2, e.Person)
		put(3, string(e.Kind))
		r.off[4], r.len[4] = C.int(len(buf)), C.int(len(rows[i].payload))
		buf = append(buf, rows[i].payload...)
		r.off[5], r.len[5] = C.int(len(buf)), C.int(len(rows[i].fingerprint))
		buf = append(buf, rows[i].fingerprint[:]...)
		_, tz := e.OccurredAt.Zone()
		r.occurred, r.tz, r.version = C.longlong(e.OccurredAt.UnixNano()), C.longlong(tz), C.longlong(e.Version)
	}
	// Never empty, so that its address is valid to pass.
	a.buf = append(buf, 0)[:len(buf)]
}

func (a *rawAppender) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.insert != nil {
		C.sqlite3_finalize(a.insert)
		a.insert = nil
	}
	if a.rc != nil {
		a.rc.close()
		a.rc = nil
	}
}
