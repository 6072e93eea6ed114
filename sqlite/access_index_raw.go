package sqlite

/*
#include "sesame_sqlite3.h"

// One access entry to index: offsets into the chunk's byte buffer of its
// ten text columns (person … hash, in accessIndexSQL's order) and its
// numbers.
typedef struct {
	int off[10], len[10];
	long long seq, at;
} sesame_access_row;

// sesame_index_access runs st (accessIndexSQL) for rows[0..n) in one call
// from Go and, for each row it stored (not one indexed before), recent
// (accessRecentSQL). It returns n, or the index of the row that failed
// with *rc its error code; *added counts the rows stored.
static int sesame_index_access(sqlite3_stmt *st, sqlite3_stmt *recent, const unsigned char *buf, const sesame_access_row *rows, int n,
		int *added, int *rc) {
	sqlite3 *db = sqlite3_db_handle(st);
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
		if (c == 0 && sqlite3_changes(db) == 1) {
			// person is the first text column.
			c = sqlite3_bind_text(recent, 1, (const char*)buf + r->off[0], r->len[0], (void(*)(void*))0);
			if (c == 0) c = sqlite3_bind_int64(recent, 2, r->seq);
			if (c == 0) {
				c = sqlite3_step(recent);
				if (c == 101) c = 0;
			}
			sqlite3_reset(recent);
			if (c == 0) (*added)++;
		}
		if (c != 0) {
			*rc = c;
			return i;
		}
	}
	return n;
}

// sesame_text steps st, binding ?1 to a (when bind) and ?2, if st has
// it, to b, and
// copies the first column of its row into out (up to cap bytes, *n the
// column's size). It returns 0 with a row, SQLITE_DONE (101) without, or
// an error code.
static int sesame_text(sqlite3_stmt *st, int bind, const char *a, int alen, long long b, unsigned char *out, int cap, int *n) {
	int c = 0;
	if (bind) {
		c = sqlite3_bind_text(st, 1, a, alen, (void(*)(void*))-1);
		if (c == 0 && sqlite3_bind_parameter_count(st) >= 2) c = sqlite3_bind_int64(st, 2, b);
	}
	if (c == 0) {
		c = sqlite3_step(st);
		if (c == 100) {
			int size = sqlite3_column_bytes(st, 0);
			*n = size;
			if (size <= cap && size > 0) memcpy(out, sqlite3_column_text(st, 0), (unsigned long)size);
			c = 0;
		}
	}
	sqlite3_reset(st);
	return c;
}

// sesame_move steps st binding ?1 and ?2 to the texts a and b, and
// returns 0 with *changes the rows it changed, or an error code.
static int sesame_move(sqlite3_stmt *st, const char *a, int alen, const char *b, int blen, int *changes) {
	int c = sqlite3_bind_text(st, 1, a, alen, (void(*)(void*))-1);
	if (c == 0) c = sqlite3_bind_text(st, 2, b, blen, (void(*)(void*))-1);
	if (c == 0) {
		c = sqlite3_step(st);
		if (c == 101) c = 0;
	}
	*changes = sqlite3_changes(sqlite3_db_handle(st));
	sqlite3_reset(st);
	return c;
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
	"database/sql"
	"fmt"
	"unsafe"
)

// The access journal's lines are indexed into access_log on the raw
// appender's connection (append_raw.go), while the pool's writer is held,
// every row of a chunk in one call into C. Through database/sql each row
// cost ten cgo crossings for its bindings and a conversion and boxing of
// each of its twelve arguments: 4.2 µs of the indexer's time per entry,
// of which SQLite's own work was 1.8.

const accessIndexSQL = `INSERT OR IGNORE INTO access_log (` + accessColumns + `) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`

// accessIndexChunk bounds one call into C (and the chunk's buffers).
const accessIndexChunk = 4096

const accessRecentSQL = `INSERT OR IGNORE INTO access_recent (person, seq) VALUES (?1, ?2)`

// accessSweepShare is the share of access_recent that each indexing run
// moves on to access_person (a sixteenth, and at least one person's
// rows): in a steady state the table holds sixteen runs' entries, and each
// run writes a sixteenth of access_person's pages at most, so that a
// page of it is written once per sixteen runs, not once per entry.
const accessSweepShare = 16

// accessIndexStmts are the indexer's statements on the raw connection.
type accessIndexStmts struct {
	gen, insert, recent, advance, truncate *C.sqlite3_stmt
	// The sweep from access_recent to access_person.
	sweepAt, recentRows, nth, after, moveTo, dropTo, setState *C.sqlite3_stmt
	rows                                                      []C.sesame_access_row
	buf                                                       []byte
	text                                                      []byte
}

func (a *rawAppender) accessStmts() (*accessIndexStmts, error) {
	if a.access != nil {
		return a.access, nil
	}
	s := &accessIndexStmts{text: make([]byte, 256)}
	for _, p := range []struct {
		st **C.sqlite3_stmt
		q  string
	}{
		{&s.gen, `SELECT gen FROM access_journal WHERE id = 1`},
		{&s.insert, accessIndexSQL},
		{&s.recent, accessRecentSQL},
		{&s.advance, `UPDATE access_journal SET offset = max(offset, ?1) WHERE id = 1`},
		{&s.truncate, `UPDATE access_journal SET gen = gen + 1, offset = 0 WHERE id = 1`},
		{&s.sweepAt, `SELECT sweep FROM access_journal WHERE id = 1`},
		{&s.recentRows, `SELECT recent FROM access_journal WHERE id = 1`},
		{&s.nth, `SELECT person FROM access_recent WHERE person >= ?1 ORDER BY person LIMIT 1 OFFSET ?2`},
		{&s.after, `SELECT person FROM access_recent WHERE person > ?1 ORDER BY person LIMIT 1`},
		{&s.moveTo, `INSERT OR IGNORE INTO access_person (person, seq) SELECT person, seq FROM access_recent WHERE person >= ?1 AND person < ?2`},
		{&s.dropTo, `DELETE FROM access_recent WHERE person >= ?1 AND person < ?2`},
		{&s.setState, `UPDATE access_journal SET sweep = ?1, recent = ?2 WHERE id = 1`},
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
	for _, st := range []*C.sqlite3_stmt{s.gen, s.insert, s.recent, s.advance, s.truncate,
		s.sweepAt, s.recentRows, s.nth, s.after, s.moveTo, s.dropTo, s.setState} {
		if st != nil {
			C.sqlite3_finalize(st)
		}
	}
}

// indexAccess runs one indexing transaction: it checks that the journal's
// generation is still gen (else it does nothing and returns false: the
// file was truncated meanwhile), inserts the lines that lines yields (in
// chunks, each handed to add), and records how far the file is indexed
// (to) or, for runTruncate, its truncation. The caller holds the pool's
// writer connection.
func (a *rawAppender) indexAccess(gen, to int64, mode indexRun, lines func(add func(*journalLine) error) error) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, err := a.accessStmts()
	if err != nil {
		return false, err
	}
	if err := a.rc.exec("BEGIN IMMEDIATE"); err != nil {
		return false, err
	}
	applied, err := a.indexAccessTx(s, gen, to, mode, lines)
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

func (a *rawAppender) indexAccessTx(s *accessIndexStmts, gen, to int64, mode indexRun, lines func(add func(*journalLine) error) error) (bool, error) {
	truncate := mode == runTruncate
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
	var added C.int
	flush := func() error {
		if len(s.rows) == 0 {
			return nil
		}
		// Never empty, so that its address is valid to pass.
		s.buf = append(s.buf, 0)[:len(s.buf)]
		var code C.int
		n := len(s.rows)
		done := int(C.sesame_index_access(s.insert, s.recent, (*C.uchar)(unsafe.Pointer(unsafe.SliceData(s.buf))), unsafe.SliceData(s.rows), C.int(n), &added, &code))
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
	if err := a.sweep(s, int64(added), mode == runSweep); err != nil {
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

// sweep moves the rows of the next range of people in access_recent
// (from the sweep's position, about a sixteenth of the table) on to
// access_person, and records where the next range starts and how many
// rows access_recent holds, added being the rows just inserted into it.
// Without move it only records the count. In the indexing transaction.
func (a *rawAppender) sweep(s *accessIndexStmts, added int64, move bool) error {
	from, _, err := a.text(s, s.sweepAt, false, "", 0)
	if err != nil {
		return err
	}
	var rows C.longlong
	if code := C.sesame_int64(s.recentRows, 0, 0, &rows); code != 0 {
		return a.rc.err("access index sweep", code)
	}
	recent := int64(rows) + added
	if !move {
		_, _, err = a.text(s, s.setState, true, from, recent)
		return err
	}
	// first is the first person at or after from, wrapping round to the
	// start of the table; the range runs to the person share rows on (or
	// to the one after first, or to the end).
	first, ok, err := a.text(s, s.nth, true, from, 0)
	if err == nil && !ok && from != "" {
		from = ""
		first, ok, err = a.text(s, s.nth, true, from, 0)
	}
	if err != nil {
		return err
	}
	next := ""
	if ok {
		to, more, err := a.text(s, s.nth, true, first, max(recent/accessSweepShare, 1))
		if err == nil && more && to == first {
			to, more, err = a.text(s, s.after, true, first, 0)
		}
		if err != nil {
			return err
		}
		end := endOfPeople
		if more {
			next, end = to, to
		}
		if _, err := a.move(s.moveTo, first, end); err != nil {
			return err
		}
		moved, err := a.move(s.dropTo, first, end)
		if err != nil {
			return err
		}
		recent -= moved
	}
	_, _, err = a.text(s, s.setState, true, next, recent)
	return err
}

// text steps st (binding from and n when bind) and returns its row's
// first column as text, ok false without a row.
func (a *rawAppender) text(s *accessIndexStmts, st *C.sqlite3_stmt, bind bool, from string, n int64) (string, bool, error) {
	for {
		var size C.int
		p, l := cText(from)
		code := C.sesame_text(st, boolInt(bind), p, l, C.longlong(n), (*C.uchar)(unsafe.Pointer(&s.text[0])), C.int(len(s.text)), &size)
		switch {
		case code == 101:
			return "", false, nil
		case code != 0:
			return "", false, a.rc.err("access index sweep", code)
		case int(size) > len(s.text):
			s.text = make([]byte, size) // and step again
		default:
			return string(s.text[:size]), true, nil
		}
	}
}

func (a *rawAppender) move(st *C.sqlite3_stmt, from, to string) (int64, error) {
	var changes C.int
	pf, lf := cText(from)
	pt, lt := cText(to)
	if code := C.sesame_move(st, pf, lf, pt, lt, &changes); code != 0 {
		return 0, a.rc.err("access index sweep", code)
	}
	return int64(changes), nil
}

// endOfPeople sorts after every person id (BINARY collation: valid UTF-8
// never holds the byte 0xff): the upper bound of a range that runs to the
// end of the table.
const endOfPeople = "\xff"

// cText passes s to C for a binding SQLite copies: "" as a valid pointer,
// since a null one would bind NULL.
func cText(s string) (*C.char, C.int) {
	if s == "" {
		return (*C.char)(unsafe.Pointer(&emptyText[0])), 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.int(len(s))
}

// indexAccessRaw is indexRange's transaction on the raw connection. It
// holds the pool's writer connection meanwhile, so that no other write of
// this process contends for SQLite's write lock: writer when the caller
// holds it already, else taken here.
func (db *DB) indexAccessRaw(ctx context.Context, writer *sql.Conn, gen, to int64, mode indexRun, lines func(add func(*journalLine) error) error) (bool, error) {
	if writer == nil {
		conn, err := db.writer.Conn(ctx)
		if err != nil {
			return false, fmt.Errorf("sqlite: writer connection: %w", err)
		}
		defer conn.Close()
	}
	applied, err := db.appender.indexAccess(gen, to, mode, lines)
	db.committed()
	return applied, err
}
