package http

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/sesame-credit/sesame"
)

// groupCommitter lets concurrent ingestion requests share one store
// transaction: while one append runs, the batches that arrive queue up and
// go into the next append together. A commit (an fsync) costs about as much
// for 1,000 events as for 10,000, so under load this multiplies the rate,
// and with one request at a time it adds nothing: a lone batch goes
// straight in.
//
// Each request still gets exactly its own results, and only after the
// shared transaction has committed. If a shared append fails, each of its
// requests is tried alone, so that no batch fails because of another.
type groupCommitter struct {
	store    sesame.EventStore
	maxGroup int // events per shared transaction, beyond which a group is cut
	observe  func(events int)

	mu      sync.Mutex
	queue   []*appendRequest
	running bool
}

type appendRequest struct {
	events []sesame.Event
	state  atomic.Int32 // queued → taken by the committer, or → abandoned by its caller
	done   chan appendResult
}

const (
	reqQueued int32 = iota
	reqTaken
	reqAbandoned
)

type appendResult struct {
	results []sesame.AppendResult
	err     error
}

func newGroupCommitter(store sesame.EventStore, maxGroup int, observe func(events int)) *groupCommitter {
	if observe == nil {
		observe = func(int) {}
	}
	return &groupCommitter{store: store, maxGroup: maxGroup, observe: observe}
}

// Append stores events, possibly in one transaction with other callers'.
// When ctx ends first, Append returns its error; the events may or may not
// have been stored (a retry tells, as duplicates).
func (g *groupCommitter) Append(ctx context.Context, events []sesame.Event) ([]sesame.AppendResult, error) {
	req := &appendRequest{events: events, done: make(chan appendResult, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, req)
	lead := !g.running
	g.running = true
	g.mu.Unlock()
	if lead {
		// The first caller after a quiet spell starts the committer, which
		// runs until the queue is empty. It is not tied to this request's
		// context: other requests depend on it.
		go g.run()
	}
	select {
	case r := <-req.done:
		return r.results, r.err
	case <-ctx.Done():
		if req.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return nil, ctx.Err() // the committer will skip it
		}
		// Already in a transaction: the caller's time is up all the same
		// (done is buffered, so the committer never blocks on it), but the
		// committer may still be reading events.
		return nil, &inFlightError{ctx.Err()}
	}
}

// run appends queued requests, group by group, until none are left.
func (g *groupCommitter) run() {
	for {
		g.mu.Lock()
		group, n := g.take()
		if len(group) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		g.commit(group, n)
	}
}

// take removes from the queue the requests of the next transaction: in
// arrival order, up to maxGroup events (at least one request). g.mu is held.
func (g *groupCommitter) take() (group []*appendRequest, events int) {
	i := 0
	for ; i < len(g.queue); i++ {
		req := g.queue[i]
		if len(group) > 0 && events+len(req.events) > g.maxGroup {
			break
		}
		if !req.state.CompareAndSwap(reqQueued, reqTaken) {
			continue // its caller gave up before it was taken
		}
		group = append(group, req)
		events += len(req.events)
	}
	clear(g.queue[:i])
	g.queue = g.queue[i:]
	return group, events
}

func (g *groupCommitter) commit(group []*appendRequest, n int) {
	ctx := context.Background()
	g.observe(n)
	if len(group) == 1 {
		res, err := g.store.Append(ctx, group[0].events)
		group[0].done <- appendResult{res, err}
		return
	}
	all := make([]sesame.Event, 0, n)
	for _, req := range group {
		all = append(all, req.events...)
	}
	res, err := g.store.Append(ctx, all)
	if err != nil || len(res) != len(all) {
		// Do not let one batch sink the others: each goes alone.
		for _, req := range group {
			res, err := g.store.Append(ctx, req.events)
			req.done <- appendResult{res, err}
		}
		return
	}
	off := 0
	for _, req := range group {
		k := len(req.events)
		// The store set RecordedAt on the accepted events of all; the
		// callers read results only, so copying those is enough.
		req.done <- appendResult{res[off : off+k : off+k], nil}
		off += k
	}
}

// inFlightError is the caller's context error when its events were already
// in a transaction: the caller must not reuse the events' memory, since the
// committer may still read it.
type inFlightError struct{ err error }

func (e *inFlightError) Error() string { return e.err.Error() }
func (e *inFlightError) Unwrap() error { return e.err }
