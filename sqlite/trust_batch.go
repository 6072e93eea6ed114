package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// batcher group-commits small writes of the trust tables (access entries,
// decisions): concurrent callers queue their write; whoever finds no
// commit in progress becomes the leader and writes everything queued in
// one transaction — one fsync for many requests — while the others wait
// for it. Each caller still returns only once its own write is durable.
type batcher struct {
	db      *DB
	mu      sync.Mutex
	queue   []*batchItem
	running bool
}

type batchItem struct {
	write func(tx *sql.Tx) error
	done  chan error
}

// maxBatch bounds one transaction, so a leader's wait stays short.
const maxBatch = 256

func batcherOf(db *DB) *batcher { return db.batcher }

// do runs write in a group-committed transaction. If write fails, its
// batch is retried one by one so that one bad write fails alone.
func (b *batcher) do(ctx context.Context, write func(tx *sql.Tx) error) error {
	it := &batchItem{write: write, done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, it)
	if b.running {
		b.mu.Unlock()
		select {
		case err := <-it.done:
			return err
		case <-ctx.Done():
			// The write may still happen; the caller treats it as failed.
			return ctx.Err()
		}
	}
	b.running = true
	b.mu.Unlock()
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxBatch)
		group := b.queue[:n:n]
		b.queue = b.queue[n:]
		if n == 0 {
			b.running = false
			b.mu.Unlock()
			break
		}
		b.mu.Unlock()
		b.commit(group)
	}
	return <-it.done
}

func (b *batcher) commit(group []*batchItem) {
	// A detached context: the leader's own request ending must not abort
	// the others' writes.
	ctx := context.Background()
	err := b.db.WriteTx(ctx, func(tx *sql.Tx) error {
		for _, it := range group {
			if err := it.write(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(group) == 1 {
		for _, it := range group {
			it.done <- err
		}
		return
	}
	for _, it := range group {
		it.done <- b.db.WriteTx(ctx, it.write)
	}
}
