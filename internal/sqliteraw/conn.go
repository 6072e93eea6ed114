// Package sqliteraw holds Sesame's only calls into SQLite's C API, for the
// two paths where going around database/sql measured worth its cost on a
// million people (bench/RESULTS.md): appending the ledger's event batches
// and the bulk scan that folds the whole ledger. Package sqlite uses it;
// nothing else should.
package sqliteraw

/*
#include "sesame_sqlite3.h"
#include <stdlib.h>

static int sesame_bind_text(sqlite3_stmt *st, int i, const char *s, int n) {
	return sqlite3_bind_text(st, i, s, n, (void(*)(void*))-1); // SQLITE_TRANSIENT: copied
}
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/mattn/go-sqlite3"
)

// BusyTimeoutMS is how long a connection waits for a lock held by another
// connection or process before failing; package sqlite's connections wait
// as long.
const BusyTimeoutMS = 10_000

// rawConn is a SQLite connection used through the C API, opened without
// SQLite's per-call mutex: only one goroutine uses it at a time. Scan and
// the Appender each have their own.
type rawConn struct{ db *C.sqlite3 }

// openRawConn opens path read-only, or read-write with writable, and runs
// pragmas on the new connection.
func openRawConn(path string, writable bool, pragmas ...string) (*rawConn, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	const openReadOnly, openReadWrite, openNoMutex = 0x00000001, 0x00000002, 0x00008000
	flags := C.int(openReadOnly | openNoMutex)
	if writable {
		flags = openReadWrite | openNoMutex
	}
	rc := &rawConn{}
	if code := C.sqlite3_open_v2(cpath, &rc.db, flags, nil); code != 0 {
		err := rc.err("open "+path, code)
		rc.close()
		return nil, err
	}
	C.sqlite3_busy_timeout(rc.db, BusyTimeoutMS)
	for _, p := range pragmas {
		if err := rc.exec(p); err != nil {
			rc.close()
			return nil, err
		}
	}
	return rc, nil
}

func (rc *rawConn) exec(q string) error {
	cq := C.CString(q)
	defer C.free(unsafe.Pointer(cq))
	if code := C.sqlite3_exec(rc.db, cq, nil, nil, nil); code != 0 {
		return rc.err(q, code)
	}
	return nil
}

func (rc *rawConn) prepare(q string) (*C.sqlite3_stmt, error) {
	cq := C.CString(q)
	defer C.free(unsafe.Pointer(cq))
	var st *C.sqlite3_stmt
	if code := C.sqlite3_prepare_v2(rc.db, cq, -1, &st, nil); code != 0 {
		return nil, rc.err("prepare "+q, code)
	}
	return st, nil
}

func (rc *rawConn) bindText(st *C.sqlite3_stmt, i int, s string) error {
	var p *C.char
	if len(s) > 0 {
		p = (*C.char)(unsafe.Pointer(unsafe.StringData(s)))
	} else {
		p = (*C.char)(unsafe.Pointer(&emptyText[0]))
	}
	if code := C.sesame_bind_text(st, C.int(i), p, C.int(len(s))); code != 0 {
		return rc.err("bind", code)
	}
	return nil
}

// emptyText binds "" (a NULL pointer would bind NULL).
var emptyText = []byte{0}

func (rc *rawConn) err(what string, code C.int) error {
	msg := "unknown error"
	if rc.db != nil {
		msg = C.GoString(C.sqlite3_errmsg(rc.db))
	}
	// The driver's error type is wrapped so that callers can tell its code
	// (a lock held too long is an outage to retry, not a fault: Unavailable).
	return rawError{msg: fmt.Sprintf("sqlite: raw %s: %s (code %d)", what, msg, int(code)),
		code: sqlite3.Error{Code: sqlite3.ErrNo(code & 0xff), ExtendedCode: sqlite3.ErrNoExtended(code)}}
}

// rawError is a failure of the raw C path, with SQLite's result code.
type rawError struct {
	msg  string
	code sqlite3.Error
}

func (e rawError) Error() string { return e.msg }
func (e rawError) Unwrap() error { return e.code }

func (rc *rawConn) close() {
	if rc.db != nil {
		C.sqlite3_close_v2(rc.db)
		rc.db = nil
	}
}
