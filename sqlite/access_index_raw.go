package sqlite

/*
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

extern int sqlite3_bind_text(sqlite3_stmt*, int, const char*, int, void(*)(void*));
extern int sqlite3_bind_int64(sqlite3_stmt*, int, long long);
extern int sqlite3_step(sqlite3_stmt*);
extern int sqlite3_reset(sqlite3_stmt*);
extern long long sqlite3_column_int64(sqlite3_stmt*, int);
extern int sqlite3_finalize(sqlite3_stmt*);

// One access entry to index: offsets into the chunk's byte buffer of its
// ten text columns (person … hash, in accessIndexSQL's order) and its
// numbers.
typedef struct {
	int off[10], len[10];
	long long seq, at;
} sesame_access_row;

// sesame_index_access runs st (accessIndexSQL) for rows[0..n) in one call
// from Go. It returns n, or the index of the row that failed with *rc its
// error code.
static int sesame_index_access(sqlite3_stmt *st, const unsigned char *buf, const sesame_access_row *rows, int n, int *rc) {
	for (int i = 0; i < n; i++) {
		const sesame_access_row *r = &rows[i];
		// SQLITE_STATIC: buf outlives each step.
		int c = sqlite3_bind_int64(st, 1, r->seq);
		if (c == 0) c = sqlite3_bind_int64(st, 2, r->at);
		for (int k = 0; k < 10 && c == 0; k++) {
			c = sqlite3_bind_text(st, k + 3, (const char*)buf + r->off[k], r->len[k], (void(*)(void*))0);
		}
		if (c == 0) {
			c = sqlite3_step(st);
			if (c == 101) c = 0; // SQLITE_DONE
		}
		sqlite3_reset(st);
		if (c != 0) {
			*rc = c;
			return i;
		}
	}
	return n;
}

// sesame_int64 steps st (one row, one integer column, arg ?1 when
// bind) and returns its value in *v, or SQLITE_DONE (101) when there is no
// row, or an error code.
static int sesame_int64(sqlite3_stmt *st, int bind, long long arg, long long *v) {
	int c = bind ? sqlite3_bind_int64(st, 1, arg) : 0;
	if (c == 0) {
		c = sqlite3_step(st);
		if (c == 100) { // SQLITE_ROW
			*v = sqlite3_column_int64(st, 0);
			c = 0;
		} else if (c == 101) {
			c = 101;
		}
	}
	sqlite3_reset(st);
	return c;
}
*/
import "C"

import (
	"context"
	"fmt"
	"unsafe"
)

// The access journal's lines are indexed into access_log on the raw
// appender's connection (append_raw.go), while the pool's writer is held,
// every row of a chunk in one call into C. Through database/sql each row
// cost ten cgo crossings for its bindings and a conversion and boxing of
// each of its twelve arguments: 4.2 µs of the indexer's time per entry,
// of which SQLite's own work was 1.8.

const accessIndexSQL = `INSERT OR IGNORE INTO access_log (seq, at, person, actor, action, scope, purpose, consent, outcome, reason, prev_hash, hash)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`

// accessIndexChunk bounds one call into C (and the chunk's buffers).
const accessIndexChunk = 4096

// accessIndexStmts are the indexer's statements on the raw connection.
type accessIndexStmts struct {
	gen, insert, advance, truncate *C.sqlite3_stmt
	rows                           []C.sesame_access_row
	buf                            []byte
}

func (a *rawAppender) accessStmts() (*accessIndexStmts, error) {
	if a.access != nil {
		return a.access, nil
	}
	s := &accessIndexStmts{}
	for _, p := range []struct {
		st **C.sqlite3_stmt
		q  string
	}{
		{&s.gen, `SELECT gen FROM access_journal WHERE id = 1`},
		{&s.insert, accessIndexSQL},
		{&s.advance, `UPDATE access_journal SET offset = max(offset, ?1) WHERE id = 1`},
		{&s.truncate, `UPDATE access_journal SET gen = gen + 1, offset = 0 WHERE id = 1`},
	} {
		st, err := a.rc.prepare(p.q)
		if err != nil {
			s.finalize()
			return nil, err
		}
		*p.st = st
	}
	a.access = s
	return s, nil
}

func (s *accessIndexStmts) finalize() {
	for _, st := range []*C.sqlite3_stmt{s.gen, s.insert, s.advance, s.truncate} {
		if st != nil {
			C.sqlite3_finalize(st)
		}
	}
}

// indexAccess runs one indexing transaction: it checks that the journal's
// generation is still gen (else it does nothing and returns false: the
// file was truncated meanwhile), inserts the lines that lines yields (in
// chunks, each handed to add), and records how far the file is indexed
// (to) or, with truncate, its truncation. The caller holds the pool's
// writer connection.
func (a *rawAppender) indexAccess(gen, to int64, truncate bool, lines func(add func(*journalLine) error) error) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, err := a.accessStmts()
	if err != nil {
		return false, err
	}
	if err := a.rc.exec("BEGIN IMMEDIATE"); err != nil {
		return false, err
	}
	applied, err := a.indexAccessTx(s, gen, to, truncate, lines)
	if err != nil || !applied {
		a.rc.exec("ROLLBACK") // nothing was written, or nothing will be
		return false, err
	}
	if err := a.rc.exec("COMMIT"); err != nil {
		a.rc.exec("ROLLBACK")
		return false, err
	}
	return true, nil
}

func (a *rawAppender) indexAccessTx(s *accessIndexStmts, gen, to int64, truncate bool, lines func(add func(*journalLine) error) error) (bool, error) {
	var now C.longlong
	if code := C.sesame_int64(s.gen, 0, 0, &now); code != 0 {
		return false, a.rc.err("access journal position", code)
	}
	if int64(now) != gen {
		if truncate {
			// Truncations happen under the flock this caller holds.
			return false, fmt.Errorf("sqlite: access journal: generation %d, not %d, under the lock", int64(now), gen)
		}
		return false, nil
	}
	s.rows, s.buf = s.rows[:0], s.buf[:0]
	flush := func() error {
		if len(s.rows) == 0 {
			return nil
		}
		// Never empty, so that its address is valid to pass.
		s.buf = append(s.buf, 0)[:len(s.buf)]
		var code C.int
		n := len(s.rows)
		done := int(C.sesame_index_access(s.insert, (*C.uchar)(unsafe.Pointer(unsafe.SliceData(s.buf))), unsafe.SliceData(s.rows), C.int(n), &code))
		if done != n {
			return a.rc.err(fmt.Sprintf("index access entry %d", int64(s.rows[done].seq)), code)
		}
		s.rows, s.buf = s.rows[:0], s.buf[:0]
		return nil
	}
	add := func(l *journalLine) error {
		r := C.sesame_access_row{seq: C.longlong(l.Seq), at: C.longlong(l.At)}
		for k, v := range [10]string{l.Person, l.Actor, l.Action, l.Scope, l.Purpose, l.Consent, l.Outcome, l.Reason, l.PrevHash, l.Hash} {
			r.off[k], r.len[k] = C.int(len(s.buf)), C.int(len(v))
			s.buf = append(s.buf, v...)
		}
		s.rows = append(s.rows, r)
		if len(s.rows) == accessIndexChunk {
			return flush()
		}
		return nil
	}
	if err := lines(add); err != nil {
		return false, err
	}
	if err := flush(); err != nil {
		return false, err
	}
	var ignored C.longlong
	st, arg, bind := s.advance, to, 1
	if truncate {
		st, arg, bind = s.truncate, 0, 0
	}
	if code := C.sesame_int64(st, C.int(bind), C.longlong(arg), &ignored); code != 101 && code != 0 {
		return false, a.rc.err("access journal position", code)
	}
	return true, nil
}

// indexAccessRaw is indexRange's transaction on the raw connection.
func (db *DB) indexAccessRaw(ctx context.Context, gen, to int64, truncate bool, lines func(add func(*journalLine) error) error) (bool, error) {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("sqlite: writer connection: %w", err)
	}
	defer conn.Close()
	applied, err := db.appender.indexAccess(gen, to, truncate, lines)
	db.committed()
	return applied, err
}
