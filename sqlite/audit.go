package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"

	"github.com/sesame-credit/sesame"
)

// AccessLogStore is the hash-chained access log (sesame.AccessLog). Every
// entry is appended to the access journal (access_journal.go), each linked
// to the one before, so the chain stays linear: with SyncAfterWrite by the
// caller itself, with SyncEachRead through a group commit (accessWriter)
// in which one write and one fdatasync cover many reads. Reads of the log
// index the journal into the access_log table first.
type AccessLogStore struct{ db *DB }

// AccessLog returns the access log of this database.
func (db *DB) AccessLog() *AccessLogStore { return &AccessLogStore{db: db} }

var _ sesame.AccessLog = (*AccessLogStore)(nil)

// AppendAccess returns once e is written to the journal (SyncAfterWrite)
// or written and synced (SyncEachRead), with e.Seq, e.PrevHash and e.Hash
// set. With SyncEachRead concurrent callers share writes and syncs, each
// waiting for its own, and a caller whose ctx ends first gets ctx.Err()
// and must treat the read as not allowed, though the entry may still be
// written: a logged read that did not happen is harmless, an unlogged one
// is not. With SyncAfterWrite ctx is checked before the write only: the
// write itself takes microseconds, but it may wait for the journal's lock
// while another handle truncates the file (rarely, a moment).
func (s *AccessLogStore) AppendAccess(ctx context.Context, e *sesame.AccessEntry) error {
	return accessWriterOf(s.db).append(ctx, e)
}

// accessWriter is the access log's group commit, for SyncEachRead (with
// SyncAfterWrite each caller writes its own entry). Callers queue their
// entry and wait; one goroutine (started when the first entry arrives, gone when
// the queue is empty) takes everything queued, writes it in one journal
// append and releases every waiter with the outcome. While it
// commits, the next group gathers. Unlike a leader taken from the callers,
// no request's answer waits for other requests' groups.
type accessWriter struct {
	db    *DB
	mu    sync.Mutex
	queue []*accessReq
	spare []*accessReq // a released group's slice, reused
	// inflight holds a place for each group written and not yet synced.
	inflight chan struct{}
	running  bool
	groups   atomic.Int64 // journal appends, for tests and benchmarks
}

type accessReq struct {
	e    *sesame.AccessEntry
	done chan error
}

// maxAccessGroup bounds one transaction so that a burst does not make
// its first entries wait for thousands of inserts.
const maxAccessGroup = 1024

var accessWriters sync.Map // *DB → *accessWriter

func accessWriterOf(db *DB) *accessWriter {
	if w, ok := accessWriters.Load(db); ok {
		return w.(*accessWriter)
	}
	w, _ := accessWriters.LoadOrStore(db, &accessWriter{db: db, inflight: make(chan struct{}, 2)})
	return w.(*accessWriter)
}

var accessReqs = sync.Pool{New: func() any { return &accessReq{done: make(chan error, 1)} }}

func (w *accessWriter) append(ctx context.Context, e *sesame.AccessEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j, err := w.db.journal()
	if err != nil {
		return err
	}
	if j.afterWrite {
		// Acknowledged once written: the caller writes its own entry.
		// A write takes microseconds; handing it to the group writer
		// (a goroutine started per busy spell) and waiting to be woken
		// cost more than it saved: side by side, sesame serve's CPU per
		// score read went from 88–100 to 81–82 µs.
		w.groups.Add(1)
		_, err := j.write([]*accessReq{{e: e}})
		return err
	}
	req := accessReqs.Get().(*accessReq)
	req.e = e
	w.mu.Lock()
	w.queue = append(w.queue, req)
	if !w.running {
		w.running = true
		go w.run(j)
	}
	w.mu.Unlock()
	select {
	case err := <-req.done:
		req.e = nil
		accessReqs.Put(req)
		return err
	case <-ctx.Done():
		// The writer still owns req (it will send on done, which has
		// room): do not reuse it.
		return ctx.Err()
	}
}

// run commits groups until the queue is empty. Up to two groups' syncs
// are in flight at once: while one waits for the disk, the next is written
// and its sync started, rather than gathering until the first returns.
// At most two, so that groups stay large when requests come in bursts.
func (w *accessWriter) run(j *accessJournal) {
	for {
		w.inflight <- struct{}{}
		w.mu.Lock()
		n := min(len(w.queue), maxAccessGroup)
		if n == 0 {
			w.running = false
			w.mu.Unlock()
			<-w.inflight
			return
		}
		group := w.queue[:n:n]
		if n == len(w.queue) {
			// Swap in a released group's slice (release keeps one) so
			// that the next group gathers without allocating.
			w.queue, w.spare = w.spare[:0], nil
		} else {
			w.queue = append([]*accessReq(nil), w.queue[n:]...)
		}
		w.mu.Unlock()
		w.commit(j, group)
	}
}

// commit writes group to the journal and starts its sync, which releases
// the group's callers and a place in flight (SyncEachRead: the journal
// returns a ticket to wait on).
func (w *accessWriter) commit(j *accessJournal, group []*accessReq) {
	w.groups.Add(1)
	t, err := j.write(group)
	if err != nil {
		w.release(group, err)
		return
	}
	go func() { w.release(group, j.sync(t)) }()
}

func (w *accessWriter) release(group []*accessReq, err error) {
	for _, r := range group {
		r.done <- err
	}
	<-w.inflight
	w.mu.Lock()
	if w.spare == nil {
		w.spare = group[:0]
	}
	w.mu.Unlock()
}

// index brings the access_log table up to the journal, so that a read of
// it sees every acknowledged entry.
func (s *AccessLogStore) index(ctx context.Context) error {
	j, err := s.db.journal()
	if err != nil {
		return err
	}
	return j.index(ctx)
}

const accessColumns = `seq, at, person, actor, action, scope, purpose, consent, outcome, reason, prev_hash, hash`

func scanAccess(rows *sql.Rows) (*sesame.AccessEntry, error) {
	var e sesame.AccessEntry
	var at int64
	var scope, purpose string
	if err := rows.Scan(&e.Seq, &at, &e.Person, &e.Actor, &e.Action, &scope, &purpose, &e.Consent, &e.Outcome, &e.Reason, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At, e.Scope, e.Purpose = tsFromNS(at), sesame.Scope(scope), sesame.Purpose(purpose)
	return &e, nil
}

func (s *AccessLogStore) AccessEntries(ctx context.Context, person string, limit int) ([]*sesame.AccessEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	if err := s.index(ctx); err != nil {
		return nil, err
	}
	// A person's entries are in access_recent or access_person (migration
	// 042): the newest limit of them, then their rows.
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+accessColumns+` FROM access_log WHERE seq IN (
		SELECT seq FROM access_recent WHERE person = ?1 UNION SELECT seq FROM access_person WHERE person = ?1 ORDER BY seq DESC LIMIT ?2
	) ORDER BY seq DESC`, person, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sesame.AccessEntry
	for rows.Next() {
		e, err := scanAccess(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *AccessLogStore) ScanAccess(ctx context.Context, fn func(e *sesame.AccessEntry) error) error {
	if err := s.index(ctx); err != nil {
		return err
	}
	return s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+accessColumns+` FROM access_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAccess(rows)
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
