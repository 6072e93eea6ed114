package sqliteraw

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

*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/sesame-credit/sesame/feature"
)

// A full-ledger fold (training sets, the features benchmark, the first
// build of the feature-state snapshots) is bound by the cost of handing
// tens of millions of rows from SQLite to Go. Through database/sql each row
// costs a driver crossing, an allocation per column, reflection in Scan and
// a mutex in SQLite itself; Scan instead steps its own read-only,
// mutex-free connection to the same file in C and packs whole buffers of
// rows in one crossing, which Go then reads in place.

// Batch is a run of whole people read by Scan. Call Release when done
// with it, from any goroutine, so its buffer serves a later batch. Its
// slices point into the scan's buffer (see feature.RawEvent).
type Batch struct {
	People []feature.RawPerson
	buf    []byte
	events []feature.RawEvent
	free   chan *Batch
}

// Release hands the batch's memory back to its scan. The batch and every
// slice taken from it must not be used afterwards.
func (b *Batch) Release() {
	if b.free == nil {
		return
	}
	select {
	case b.free <- b:
	default:
	}
}

// Options say which part of the ledger Scan reads.
type Options struct {
	// After and UpTo bound the people read: After < person ≤ UpTo (UpTo ""
	// is no upper bound), so ranges cut at the same ids neither overlap nor
	// miss anyone. Splitting the ledger into ranges lets several scans run
	// in parallel; After alone resumes a scan from a checkpoint.
	After, UpTo string
	// MaxSeq is the ledger position read up to (events with seq ≤ MaxSeq).
	// A scan reads in many short read transactions, and the bound keeps
	// them consistent.
	MaxSeq int64
	// RecordedBefore skips events recorded at or after it (Unix
	// nanoseconds).
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

// Scan runs query on a read-only connection of its own to the database at
// path and calls fn with its rows in batches of whole people, in order, on
// the calling goroutine. query selects person, kind, payload, seq,
// occurred_at, recorded_at and source, ordered by person, with ?1 the
// person after which to start, ?2 opt.UpTo (bound only when set), ?3
// opt.MaxSeq and ?4 opt.RecordedBefore. The rows are read on a goroutine of
// their own, a batch ahead, so fn's work overlaps the read; fn should
// Release each batch when done with it. Each batch is read in its own short
// read transaction, so a long scan does not hold back WAL checkpoints.
func Scan(ctx context.Context, path, query string, opt Options, fn func(*Batch) error) error {
	if opt.BufferSize <= 0 {
		opt.BufferSize = 4 << 20
	}
	rc, err := openRawConn(path, false, "PRAGMA cache_size = -65536")
	if err != nil {
		return err
	}
	defer rc.close()
	st, err := rc.prepare(query)
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
	out := make(chan *Batch, 1)
	free := make(chan *Batch, 4)
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
func (rc *rawConn) read(ctx context.Context, st *C.sqlite3_stmt, opt Options, out chan<- *Batch, free chan *Batch) error {
	after := opt.After
	size := opt.BufferSize
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var b *Batch
		select {
		case b = <-free:
		default:
			b = &Batch{free: free}
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
func (b *Batch) unpack(n int) {
	if cap(b.events) < n {
		b.events = make([]feature.RawEvent, 0, n+n/4)
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
			b.People = append(b.People, feature.RawPerson{Person: p})
			start = i
		}
		b.events[i] = feature.RawEvent{Seq: h.seq, OccurredAt: h.occurred, RecordedAt: h.recorded, Source: b.buf[ve:se:se], Kind: b.buf[pe:ke:ke], Payload: b.buf[ke:ve:ve]}
		off += (se - off + 7) &^ 7
	}
	if n > 0 {
		b.People[len(b.People)-1].Events = b.events[start:n:n]
	}
}
