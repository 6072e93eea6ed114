package audit

import (
	"context"
	"fmt"

	"github.com/sesame-credit/sesame"
)

// AppendTx is what a store gives Append inside its write transaction, in
// which no other append runs (SQLite's one writer, PostgreSQL's advisory
// lock).
type AppendTx interface {
	// Head returns the last entry's seq and hash (0, "" when empty) and
	// how many leaves the tree holds.
	Head(ctx context.Context) (seq int64, hash string, leaves int64, err error)
	// LastOf returns the seq of each person's latest entry (none: absent).
	LastOf(ctx context.Context, people []string) (map[string]int64, error)
	// Nodes returns the stored hashes of the nodes asked for.
	Nodes(ctx context.Context, ids []sesame.TreeNode) (map[sesame.TreeNode][]byte, error)
	// EntryHashes calls fn with every entry's hash in seq order.
	EntryHashes(ctx context.Context, fn func(hash string) error) error
	// Insert stores entries and tree nodes.
	Insert(ctx context.Context, entries []*sesame.AccessEntry, nodes []StoredNode) error
}

// Appender appends groups of entries to a store's log, keeping the tree's
// right edge in memory between groups (it is read again when another
// process or replica appended meanwhile).
type Appender struct {
	frontier, pending *Frontier
	headHash          string
	pendingHash       string
}

// Committed tells the appender the transaction of its last Append
// committed, so the next group need not read the tree's edge again.
func (a *Appender) Committed() {
	a.frontier, a.headHash, a.pending = a.pending, a.pendingHash, nil
}

// Append seals entries in order after the log's head and stores each with
// the tree nodes it completes. Call it in the store's write transaction;
// once it commits, call Committed.
func (a *Appender) Append(ctx context.Context, tx AppendTx, entries []*sesame.AccessEntry) error {
	seq, prev, leaves, err := tx.Head(ctx)
	if err != nil {
		return err
	}
	var f *Frontier
	if a.frontier != nil && a.frontier.Size == seq && a.headHash == prev {
		f = a.frontier.Clone()
	} else if f, err = a.load(ctx, tx, seq, leaves); err != nil {
		return err
	}
	a.frontier, a.pending = nil, nil // until Committed
	people := make([]string, 0, len(entries))
	for _, e := range entries {
		people = append(people, e.Person)
	}
	last, err := tx.LastOf(ctx, people)
	if err != nil {
		return err
	}
	var nodes []StoredNode
	for _, e := range entries {
		seq++
		e.Seq = seq
		e.PersonPrev = last[e.Person]
		last[e.Person] = seq
		Seal(prev, e)
		prev = e.Hash
		nodes = append(nodes, f.Append(LeafHash(e.Hash))...)
	}
	if err := tx.Insert(ctx, entries, nodes); err != nil {
		return err
	}
	a.pending, a.pendingHash = f, prev
	return nil
}

// load reads the tree's right edge; a log whose tree was never built
// (entries from before it existed) has it built first, in this
// transaction.
func (a *Appender) load(ctx context.Context, tx AppendTx, seq, leaves int64) (*Frontier, error) {
	if leaves == 0 && seq > 0 {
		f := &Frontier{}
		var nodes []StoredNode
		err := tx.EntryHashes(ctx, func(h string) error {
			nodes = append(nodes, f.Append(LeafHash(h))...)
			return nil
		})
		if err == nil {
			err = tx.Insert(ctx, nil, nodes)
		}
		if err != nil {
			return nil, err
		}
		if f.Size != seq {
			return nil, fmt.Errorf("audit: the log's last entry is %d but it holds %d: run sesame audit verify", seq, f.Size)
		}
		return f, nil
	}
	if leaves != seq {
		return nil, fmt.Errorf("audit: the log's last entry is %d but its tree holds %d leaves: run sesame audit verify", seq, leaves)
	}
	hashes, err := tx.Nodes(ctx, FrontierNodes(seq))
	if err != nil {
		return nil, err
	}
	return LoadFrontier(seq, hashes)
}

// Writer is a store's access-log appends: a group commit whose groups an
// Appender writes in the store's transactions. inTx runs fn in one write
// transaction, committing when it returns nil.
type Writer struct {
	GroupCommit
	appender Appender // used by the group's one goroutine only
}

// NewWriter returns the Writer of a store whose transactions inTx runs.
func NewWriter(inTx func(ctx context.Context, fn func(tx AppendTx) error) error) *Writer {
	w := &Writer{}
	w.Write = func(ctx context.Context, entries []*sesame.AccessEntry, _ func()) error {
		if err := inTx(ctx, func(tx AppendTx) error { return w.appender.Append(ctx, tx, entries) }); err != nil {
			return fmt.Errorf("access log: %w", err)
		}
		w.appender.Committed()
		return nil
	}
	return w
}
