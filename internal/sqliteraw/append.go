package sqliteraw

/*
#include "sesame_sqlite3.h"

// One event to insert: offsets into the batch's byte buffer (source, id,
// person, kind, payload, the 32-byte fingerprint, then the person's
// erasure key) and its numbers.
typedef struct {
	int off[7], len[7];
	long long occurred, tz, version;
} sesame_append_row;

// sesame_insert_rows runs the insert statement st (OpenAppender's) for
// rows[0..n) in one call from Go: bind, step, reset. inserted[i] is set to
// 1 when row i was stored, 0 when it was not (its key was already there,
// or its person erased). It returns n,
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
		if (c == 0) c = sqlite3_bind_blob(st, 11, buf + r->off[6], r->len[6], (void(*)(void*))0);
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
)

// Row is one event to insert, as stored: its key, kind, times and version,
// canonical payload and fingerprint, and its person's erasure key, which
// the statement checks against the erased.
type Row struct {
	Source, ID, Person, Kind         string
	Occurred, TZ, Version            int64
	Payload, Fingerprint, ErasureKey []byte
}

// Appender inserts batches of events on a read-write connection of its
// own, all rows in one call into C: the database/sql driver would cross
// into C once per bound value and once per step, and that per-row toll was
// a fifth of the writer's time on `sesame ingest`, where the one writer is
// the bottleneck. The caller must serialise it with its other writes to
// the file (package sqlite holds its writer connection meanwhile); SQLite's
// own write lock (BEGIN IMMEDIATE) still guards against other processes.
type Appender struct {
	mu     sync.Mutex
	rc     *rawConn
	insert *C.sqlite3_stmt
	rows   []C.sesame_append_row
	buf    []byte
	marks  []byte
}

// OpenAppender opens path for appends with the statement insertSQL, whose
// eleven parameters are source, id, person, kind, occurred_at,
// occurred_tz, recorded_at, version, payload, fingerprint and the person's
// erasure key, and runs pragmas on the new connection.
func OpenAppender(path, insertSQL string, pragmas ...string) (*Appender, error) {
	rc, err := openRawConn(path, true, pragmas...)
	if err != nil {
		return nil, err
	}
	st, err := rc.prepare(insertSQL)
	if err != nil {
		rc.close()
		return nil, err
	}
	return &Appender{rc: rc, insert: st}, nil
}

// Append stores rows in one transaction stamped recorded, and reports which
// were stored: the others' keys were already stored (or came earlier in
// the batch), or the statement refused them. Nothing is stored when it
// fails.
func (a *Appender) Append(rows []Row, recorded int64) ([]bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pack(rows)
	if err := a.rc.exec("BEGIN IMMEDIATE"); err != nil {
		return nil, err
	}
	var code C.int
	n := len(rows)
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
func (a *Appender) pack(rows []Row) {
	size := 0
	for i := range rows {
		r := &rows[i]
		size += len(r.Source) + len(r.ID) + len(r.Person) + len(r.Kind) + len(r.Payload) + len(r.Fingerprint) + len(r.ErasureKey)
	}
	buf := a.buf[:0]
	if cap(buf) < size+1 {
		buf = make([]byte, 0, size+1)
	}
	if cap(a.rows) < len(rows) {
		a.rows = make([]C.sesame_append_row, len(rows))
		a.marks = make([]byte, len(rows))
	}
	a.rows, a.marks = a.rows[:len(rows)], a.marks[:len(rows)]
	for i := range rows {
		e, r := &rows[i], &a.rows[i]
		for k, s := range [...]string{e.Source, e.ID, e.Person, e.Kind} {
			r.off[k], r.len[k] = C.int(len(buf)), C.int(len(s))
			buf = append(buf, s...)
		}
		for k, b := range [...][]byte{e.Payload, e.Fingerprint, e.ErasureKey} {
			r.off[4+k], r.len[4+k] = C.int(len(buf)), C.int(len(b))
			buf = append(buf, b...)
		}
		r.occurred, r.tz, r.version = C.longlong(e.Occurred), C.longlong(e.TZ), C.longlong(e.Version)
	}
	// Never empty, so that its address is valid to pass.
	a.buf = append(buf, 0)[:len(buf)]
}

// Close closes the appender's connection.
func (a *Appender) Close() {
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
