package sqlite

/*
#include "sesame_sqlite3.h"
#include <stdlib.h>

// One packed row: this header, then person, kind, payload and source,
// padded to 8.
typedef struct {
	long long seq, occurred, recorded;
	int plen, klen, vlen, slen;
} sesame_raw_row;

// sesame_fill steps st and packs its rows (person, kind, payload, seq,
// occurred_at, recorded_at, source) into buf until the next one does not fit or the
// statement is done. It returns the rows packed and sets *rc to
// SQLITE_ROW (100: the buffer is full; the row that did not fit is dropped),
// SQLITE_DONE (101) or an error code, and *need to the size of the row that
// did not fit.
static int sesame_fill(sqlite3_stmt *st, unsigned char *buf, int cap, int *used, int *rc, int *need) {
	int n = 0, off = 0;
	for (;;) {
		int r = sqlite3_step(st);
		if (r != 100) {
			*rc = r;
			*used = off;
			return n;
		}
		const void *p = sqlite3_column_blob(st, 0);
		int pl = sqlite3_column_bytes(st, 0);
		const void *k = sqlite3_column_blob(st, 1);
		int kl = sqlite3_column_bytes(st, 1);
		const void *v = sqlite3_column_blob(st, 2);
		int vl = sqlite3_column_bytes(st, 2);
		const void *src = sqlite3_column_blob(st, 6);
		int sl = sqlite3_column_bytes(st, 6);
		int size = (int)sizeof(sesame_raw_row) + pl + kl + vl + sl;
		size = (size + 7) & ~7;
		if (off + size > cap) {
			*rc = 100;
			*used = off;
			*need = size;
			return n;
		}
		sesame_raw_row *h = (sesame_raw_row*)(buf + off);
		h->seq = sqlite3_column_int64(st, 3);
		h->occurred = sqlite3_column_int64(st, 4);
		h->recorded = sqlite3_column_int64(st, 5);
		h->plen = pl;
		h->klen = kl;
		h->vlen = vl;
		h->slen = sl;
		unsigned char *d = buf + off + sizeof(sesame_raw_row);
		if (pl) memcpy(d, p, pl);
		if (kl) memcpy(d + pl, k, kl);
		if (vl) memcpy(d + pl + kl, v, vl);
		if (sl) memcpy(d + pl + kl + vl, src, sl);
		off += size;
		n++;
	}
}

static int sesame_bind_text(sqlite3_stmt *st, int i, const char *s, int n) {
	return sqlite3_bind_text(st, i, s, n, (void(*)(void*))-1); // SQLITE_TRANSIENT: copied
}
*/
import "C"

import (
	"context"
	"fmt"
	"time"
	"unsafe"

	"github.com/mattn/go-sqlite3"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// scanChunkPeople is how many people ScanPeople reads per query. Each chunk
// is read into memory and its query closed before fn runs, so fn may take as
// long as it likes (and write to the database) without pinning a read
// snapshot that would keep the WAL from being checkpointed.
const scanChunkPeople = 256

// ScanPeople visits every person after `after`, in ascending order, with
// their events recorded before recordedBefore (zero: all), oldest first.
func (s *EventStore) ScanPeople(ctx context.Context, after string, recordedBefore time.Time, fn func(person string, events []sesame.Event) error) error {
	rb := int64(1<<63 - 1)
	if !recordedBefore.IsZero() {
		rb = recordedBefore.UnixNano()
	}
	for {
		people, events, err := s.scanChunk(ctx, after, rb)
		if err != nil {
			return err
		}
		if len(people) == 0 {
			return nil
		}
		for i, p := range people {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(p, events[i]); err != nil {
				return err
			}
		}
		after = people[len(people)-1]
	}
}

// scanChunk reads the next scanChunkPeople people after `after` that have
// events recorded before rb, with those events.
func (s *EventStore) scanChunk(ctx context.Context, after string, rb int64) ([]string, [][]sesame.Event, error) {
	// The inner query finds the chunk's last person through the person index
	// alone; the outer one reads their events in index order.
	const q = `SELECT seq, source, id, person, kind, occurred_at, occurred_tz, recorded_at, version, payload
		FROM events
		WHERE person > ?1 AND person <= (
			SELECT max(person) FROM (
				SELECT DISTINCT person FROM events WHERE person > ?1 AND recorded_at < ?2 ORDER BY person LIMIT ?3))
		AND recorded_at < ?2 AND NOT ` + notCountedSQL + `
		ORDER BY person, occurred_at, seq`
	rows, err := s.db.reader.QueryContext(ctx, q, after, rb, scanChunkPeople)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: scan people: %w", err)
	}
	defer rows.Close()
	var (
		people []string
		events [][]sesame.Event
	)
	for rows.Next() {
		e, _, err := scanEvent(rows)
		if err != nil {
			return nil, nil, err
		}
		if n := len(people); n == 0 || people[n-1] != e.Person {
			people = append(people, e.Person)
			events = append(events, nil)
		}
		events[len(events)-1] = append(events[len(events)-1], e)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("sqlite: scan people: %w", err)
	}
	return people, events, nil
}

// The bulk path. A full-ledger fold (training sets, the features benchmark,
// the first build of the feature-state snapshots) is bound by the cost of
// handing tens of millions of rows from SQLite to Go. Through database/sql
// each row costs a driver crossing, an allocation per column, reflection in
// Scan and a mutex in SQLite itself; ScanRaw instead steps its own read-only,
// mutex-free connection to the same file in C and packs whole buffers of
// rows in one crossing, which Go then reads in place. Only this loop does
// it: everything else goes through database/sql.

// RawEvent and RawPerson are the ledger's rows as stored, viewed without
// copying (see feature.RawEvent): in a RawBatch their slices point into the
// scan's buffer and are valid until the batch is released.
type (
	RawEvent  = feature.RawEvent
	RawPerson = feature.RawPerson
)

// RawBatch is a run of whole people read by ScanRaw. Call Release when done
// with it, from any goroutine, so its buffer serves a later batch.
type RawBatch struct {
	People []RawPerson
	buf    []byte
	events []RawEvent
	free   chan *RawBatch
}

// Release hands the batch's memory back to its scan. The batch and every
// slice taken from it must not be used afterwards.
func (b *RawBatch) Release() {
	if b.free == nil {
		return
	}
	select {
	case b.free <- b:
	default:
	}
}

// RawScan says which part of the ledger ScanRaw reads.
type RawScan struct {
	// After and UpTo bound the people read: After < person ≤ UpTo (UpTo ""
	// is no upper bound), so ranges cut at the same ids neither overlap nor
	// miss anyone. Splitting the ledger into ranges lets several scans run
	// in parallel; After alone resumes a scan from a checkpoint.
	After, UpTo string
	// MaxSeq is the ledger position read up to (events with seq ≤ MaxSeq);
	// 0 reads to the end as of the start of the scan. A scan reads in many
	// short read transactions, and the bound keeps them consistent.
	MaxSeq int64
	// RecordedBefore, when not zero, skips events recorded at or after it
	// (Unix nanoseconds).
	RecordedBefore int64
	// BufferSize is the bytes read per batch (default 4 MiB; grown for a
	// person whose events do not fit).
	BufferSize int
}

// rawHeader mirrors sesame_raw_row.
type rawHeader struct {
	seq, occurred, recorded int64
	plen, klen, vlen, slen  int32
}

const rawHeaderSize = int(unsafe.Sizeof(rawHeader{}))

const rawScanSQL = `SELECT person, kind, payload, seq, occurred_at, recorded_at, source FROM events
	WHERE person > ?1 AND seq <= ?3 AND recorded_at < ?4 %s %s
	ORDER BY person, occurred_at, seq`

// LedgerEnd returns the ledger's current position: the highest seq (0 when
// empty). Every event with a lower seq is already visible, since appends
// are serialised and commit in seq order.
func (s *EventStore) LedgerEnd(ctx context.Context) (int64, error) {
	var n *int64
	if err := s.db.reader.QueryRowContext(ctx, `SELECT max(seq) FROM events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: ledger end: %w", err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// ScanRaw reads the people of opt's range in ascending order with all their
// events, in batches of whole people, and calls fn with each batch in order
// on the calling goroutine. The rows are read on a goroutine of their own,
// a batch ahead, so fn's work (or workers fn hands batches to) overlaps the
// read. fn should Release each batch when it and its workers are done
// with it; a batch that is not released is simply not reused.
//
// Each batch is read in its own short read transaction, so a long scan
// does not hold back WAL checkpoints; MaxSeq keeps the batches consistent.
func (s *EventStore) ScanRaw(ctx context.Context, opt RawScan, fn func(*RawBatch) error) error {
	if opt.MaxSeq == 0 {
		end, err := s.LedgerEnd(ctx)
		if err != nil {
			return err
		}
		if end == 0 {
			return nil
		}
		opt.MaxSeq = end
	}
	if opt.RecordedBefore == 0 {
		opt.RecordedBefore = 1<<63 - 1
	}
	if opt.BufferSize <= 0 {
		opt.BufferSize = 4 << 20
	}
	// Records that stopped counting are rare: the scan pays for leaving
	// them out (a probe of event_disputes per event, about a tenth of its
	// time) only when there are any.
	var anyOut bool
	if err := s.db.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM event_disputes
		WHERE status IN ('corrected', 'deleted', 'suppressed'))`).Scan(&anyOut); err != nil {
		return fmt.Errorf("sqlite: scan: %w", err)
	}
	disputed := ""
	if anyOut {
		disputed = "AND NOT " + notCountedSQL
	}
	rc, err := openRawConn(s.db.path, false, "PRAGMA cache_size = -65536")
	if err != nil {
		return err
	}
	defer rc.close()
	bound := ""
	if opt.UpTo != "" {
		bound = "AND person <= ?2"
	}
	st, err := rc.prepare(fmt.Sprintf(rawScanSQL, bound, disputed))
	if err != nil {
		return err
	}
	defer C.sqlite3_finalize(st)
	if opt.UpTo != "" {
		if err := rc.bindText(st, 2, opt.UpTo); err != nil {
			return err
		}
	}
	C.sqlite3_bind_int64(st, 3, C.longlong(opt.MaxSeq))
	C.sqlite3_bind_int64(st, 4, C.longlong(opt.RecordedBefore))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan *RawBatch, 1)
	free := make(chan *RawBatch, 4)
	readErr := make(chan error, 1)
	go func() {
		defer close(out)
		readErr <- rc.read(ctx, st, opt, out, free)
	}()
	var fnErr error
	for b := range out {
		if fnErr == nil {
			if fnErr = fn(b); fnErr != nil {
				cancel()
			}
		}
	}
	if err := <-readErr; fnErr == nil && err != nil {
		return err
	}
	return fnErr
}

// read fills batches until the range is done.
func (rc *rawConn) read(ctx context.Context, st *C.sqlite3_stmt, opt RawScan, out chan<- *RawBatch, free chan *RawBatch) error {
	after := opt.After
	size := opt.BufferSize
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var b *RawBatch
		select {
		case b = <-free:
		default:
			b = &RawBatch{free: free}
		}
		if len(b.buf) < size {
			b.buf = make([]byte, size)
		}
		C.sqlite3_reset(st)
		if err := rc.bindText(st, 1, after); err != nil {
			return err
		}
		var used, code, need C.int
		n := int(C.sesame_fill(st, (*C.uchar)(unsafe.Pointer(&b.buf[0])), C.int(len(b.buf)), &used, &code, &need))
		var stepErr error
		if code != 100 && code != 101 {
			stepErr = rc.err("scan", code)
		}
		// End the read transaction before handing the batch on.
		C.sqlite3_reset(st)
		if stepErr != nil {
			return stepErr
		}
		b.unpack(n)
		full := code == 100
		if full {
			// The last person may go on past the buffer: read them again
			// at the start of the next batch.
			if len(b.People) <= 1 {
				size = max(2*size, 4*int(need))
				b.buf = nil
				continue
			}
			b.People = b.People[:len(b.People)-1]
		}
		if len(b.People) > 0 {
			after = string(b.People[len(b.People)-1].Person)
			select {
			case out <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !full {
			return nil
		}
	}
}

// unpack indexes the n packed rows of the buffer into events and people.
func (b *RawBatch) unpack(n int) {
	if cap(b.events) < n {
		b.events = make([]RawEvent, 0, n+n/4)
	}
	b.events = b.events[:n]
	b.People = b.People[:0]
	off, start := 0, 0
	for i := 0; i < n; i++ {
		h := (*rawHeader)(unsafe.Pointer(&b.buf[off]))
		d := off + rawHeaderSize
		pe, ke, ve := d+int(h.plen), d+int(h.plen+h.klen), d+int(h.plen+h.klen+h.vlen)
		se := ve + int(h.slen)
		p := b.buf[d:pe:pe]
		if i == 0 || string(p) != string(b.People[len(b.People)-1].Person) {
			if i > 0 {
				b.People[len(b.People)-1].Events = b.events[start:i:i]
			}
			b.People = append(b.People, RawPerson{Person: p})
			start = i
		}
		b.events[i] = RawEvent{Seq: h.seq, OccurredAt: h.occurred, RecordedAt: h.recorded, Source: b.buf[ve:se:se], Kind: b.buf[pe:ke:ke], Payload: b.buf[ke:ve:ve]}
		off += (se - off + 7) &^ 7
	}
	if n > 0 {
		b.People[len(b.People)-1].Events = b.events[start:n:n]
	}
}

// rawConn is a SQLite connection used through the C API, opened without
// SQLite's per-call mutex: only one goroutine uses it at a time. ScanRaw,
// the latest-score lookups and the ledger's appender each have their own.
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
	C.sqlite3_busy_timeout(rc.db, busyTimeoutMS)
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
