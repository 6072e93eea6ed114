package audit

import (
	"context"
	"sync"

	"github.com/sesame-credit/sesame"
)

// GroupCommit lets concurrent appends share one transaction: while one
// group commits (and syncs), the entries that arrive queue up and go into
// the next. Each caller returns only once the transaction holding its
// entry has committed, so a read is answered only after its entry is on
// disk, at the cost of one sync per group rather than per read. Both
// engines append through one.
type GroupCommit struct {
	// Write appends entries, in order, in one durable transaction,
	// setting their Seq, PersonPrev, PrevHash and Hash. It may call
	// committed once the transaction has committed but before it is on
	// disk: the next group is then taken and written while this one waits
	// for the disk. Groups are taken in order, each once the one before it
	// has committed (or its Write returned).
	Write func(ctx context.Context, entries []*sesame.AccessEntry, committed func()) error
	// MaxGroup bounds a transaction (default 1024).
	MaxGroup int
	// Depth is how many groups may be in flight at once (default 1): more
	// than one when Write calls committed before its sync.
	Depth int

	mu      sync.Mutex
	queue   []*groupReq
	running int        // groups in flight
	taking  sync.Mutex // held from taking a group until it has committed
}

type groupReq struct {
	e    *sesame.AccessEntry
	done chan error
}

// Append queues e and waits until it is committed. If ctx ends first the
// caller gets ctx.Err() and must not answer the read; the entry may still
// be written (a logged read that did not happen is harmless).
func (g *GroupCommit) Append(ctx context.Context, e *sesame.AccessEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &groupReq{e: e, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, req)
	if g.running < max(g.Depth, 1) {
		g.running++
		go g.run()
	}
	g.mu.Unlock()
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run commits groups until the queue is empty; up to Depth run at once,
// each taking what has queued when it is free. A group's transaction does
// not depend on its callers' contexts: once taken, an entry is written.
func (g *GroupCommit) run() {
	max := g.MaxGroup
	if max <= 0 {
		max = 1024
	}
	for {
		g.taking.Lock()
		g.mu.Lock()
		n := min(len(g.queue), max)
		if n == 0 {
			g.running--
			g.mu.Unlock()
			g.taking.Unlock()
			return
		}
		group := g.queue[:n:n]
		g.queue = append([]*groupReq(nil), g.queue[n:]...)
		g.mu.Unlock()
		entries := make([]*sesame.AccessEntry, n)
		for i, r := range group {
			entries[i] = r.e
		}
		var once sync.Once
		committed := func() { once.Do(g.taking.Unlock) }
		err := g.Write(context.Background(), entries, committed)
		committed()
		for _, r := range group {
			r.done <- err
		}
	}
}
