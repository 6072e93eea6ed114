package http

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// deadlineContext is context.WithDeadline(parent, deadline) that makes its
// timer only when something waits for it. Most requests end without
// anything selecting on their context (a score read checks Err between
// its steps), and making the timer and registering with the parent for
// each of them was 3.7% of sesame serve's CPU on the 1M-people score
// bench. Err needs no timer: it compares the clock with the deadline.
//
// The first Done (from a select, a child context, a database driver
// watching the query) arms it: from then on it is the real
// WithDeadline, which Value and Err defer to as well. One difference
// remains: context.Cause of a context that nobody watched and whose
// deadline passed reports its parent's cause (nil) where Err reports
// DeadlineExceeded; nothing here asks for a cause.
type deadlineContext struct {
	context.Context // the parent, until armed
	deadline        time.Time
	armed           atomic.Pointer[context.Context]
	mu              sync.Mutex // makes the armed context once
	cancel          context.CancelFunc
	released        bool // the CancelFunc was called
	// key and val, when key is set, are a value of the context's own, as
	// context.WithValue(parent, key, val) would add: the middleware's
	// request state, without a context of its own.
	key, val any
}

// init makes c, in place, context.WithDeadline(parent, deadline) carrying
// key's val (none when key is nil), as WithValue would; c.release is its
// CancelFunc.
func (c *deadlineContext) init(parent context.Context, deadline time.Time, key, val any) {
	if d, ok := parent.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.Context, c.deadline, c.key, c.val = parent, deadline, key, val
}

func (c *deadlineContext) arm() context.Context {
	if a := c.armed.Load(); a != nil {
		return *a
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if a := c.armed.Load(); a != nil {
		return *a
	}
	a, cancel := context.WithDeadline(c.Context, c.deadline)
	if c.released {
		cancel()
	}
	c.cancel = cancel
	c.armed.Store(&a)
	return a
}

func (c *deadlineContext) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released = true
	if c.cancel != nil {
		c.cancel()
	}
}

func (c *deadlineContext) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *deadlineContext) Done() <-chan struct{} { return c.arm().Done() }

func (c *deadlineContext) Err() error {
	if a := c.armed.Load(); a != nil {
		return (*a).Err()
	}
	c.mu.Lock()
	released := c.released
	c.mu.Unlock()
	if err := c.Context.Err(); err != nil {
		return err
	}
	if released {
		return context.Canceled
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *deadlineContext) Value(key any) any {
	if c.key != nil && key == c.key {
		return c.val
	}
	if a := c.armed.Load(); a != nil {
		return (*a).Value(key) // context.Cause finds the armed context's cause
	}
	return c.Context.Value(key)
}
