package audit

import (
	"fmt"
	"sync"
)

// Flusher shares flushes among concurrent callers: each call returns once a
// flush that began after it was called has ended, joining one that another
// caller began or beginning one. One flush makes durable everything written
// before it began (a file's sync, a WAL flush), so a caller's writes are
// durable when Sync returns, at one flush for many callers.
type Flusher struct {
	Flush func() error

	mu      sync.Mutex
	cond    *sync.Cond
	started uint64 // flushes begun
	done    uint64 // flushes ended, in order
	running bool
	failed  error
}

// Sync returns once everything written before it was called is durable.
// After a failed flush the system may have dropped what it could not write
// and report later flushes as clean (a failed fsync on Linux), so a failure
// is final: every later Sync fails too, until the process restarts and
// recovers from what is on disk.
func (f *Flusher) Sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cond == nil {
		f.cond = sync.NewCond(&f.mu)
	}
	want := f.started + 1
	for f.done < want && f.failed == nil {
		if f.running {
			f.cond.Wait()
			continue
		}
		f.running = true
		f.started++
		gen := f.started
		f.mu.Unlock()
		err := f.Flush()
		f.mu.Lock()
		f.running, f.done = false, gen
		if err != nil {
			f.failed = fmt.Errorf("flush failed; restart to recover: %w", err)
		}
		f.cond.Broadcast()
	}
	return f.failed
}

// Flushes returns how many flushes have begun and ended.
func (f *Flusher) Flushes() (started, done uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started, f.done
}
