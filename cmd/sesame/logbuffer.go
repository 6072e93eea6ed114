package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logBuffer batches the server's log lines on their way to stderr, so that
// thousands of requests a second do not cost a write system call each (and
// a wakeup of whatever reads stderr). Lines are written when 64 KiB have
// gathered, every interval, at once for warnings and errors (see
// flushingHandler), and on Close. A crash can lose at most one interval of
// info lines; the access log, which must not lose anything, is durable on
// its own.
//
// A goroutine of its own does the writing, never under the lock that
// requests take to add their line: a request that fills the buffer queues
// it and goes on, so a slow reader of stderr (a pipe to a log shipper)
// holds up requests only once it is logBufferQueue buffers behind.
type logBuffer struct {
	w    io.Writer
	wake chan struct{} // a buffer is queued, or a flush waits
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	written *sync.Cond // signalled under mu after each round of writes
	buf     []byte
	queue   [][]byte // full buffers, oldest first
	free    [][]byte // written buffers, for reuse
	queued  uint64   // buffers ever queued
	wrote   uint64   // of which written
	closed  bool
}

const (
	logBufferSize  = 64 << 10
	logBufferQueue = 4
)

func newLogBuffer(w io.Writer, interval time.Duration) *logBuffer {
	b := &logBuffer{w: w, buf: make([]byte, 0, logBufferSize),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	b.written = sync.NewCond(&b.mu)
	go b.writeLoop(interval)
	return b
}

// Write keeps p (one log line, as slog's handlers write them) for later.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		for b.wrote < b.queued {
			b.written.Wait() // after what was logged before Close
		}
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) > logBufferSize {
		b.queueLocked()
	}
	if len(p) > logBufferSize {
		// A line larger than a buffer travels alone, in its place.
		b.queue = append(b.queue, append([]byte(nil), p...))
		b.queued++
		b.signal()
	} else {
		b.buf = append(b.buf, p...)
	}
	for len(b.queue) > logBufferQueue {
		b.written.Wait() // the writer is far behind: wait for it
	}
	return len(p), nil
}

// queueLocked queues the current buffer, if it holds anything, for the
// writer, and starts a fresh one.
func (b *logBuffer) queueLocked() {
	if len(b.buf) == 0 {
		return
	}
	b.queue = append(b.queue, b.buf)
	b.queued++
	if n := len(b.free); n > 0 {
		b.buf, b.free = b.free[n-1], b.free[:n-1]
	} else {
		b.buf = make([]byte, 0, logBufferSize)
	}
	b.signal()
}

func (b *logBuffer) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Flush writes what has gathered and returns once it is written.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queueLocked()
	for b.wrote < b.queued {
		b.written.Wait()
	}
}

// writeLoop writes the queued buffers as they come, and every interval
// what has gathered since.
func (b *logBuffer) writeLoop(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		stopping := false
		select {
		case <-b.wake:
		case <-t.C:
			b.mu.Lock()
			b.queueLocked()
			b.mu.Unlock()
		case <-b.stop:
			stopping = true
			b.mu.Lock()
			b.queueLocked()
			b.closed = true // from here on Write writes through
			b.mu.Unlock()
		}
		b.writeQueued()
		if stopping {
			return
		}
	}
}

// writeQueued writes the queued buffers, in order, outside the lock.
func (b *logBuffer) writeQueued() {
	for {
		b.mu.Lock()
		chunks := b.queue
		b.queue = nil
		b.mu.Unlock()
		if len(chunks) == 0 {
			return
		}
		for _, p := range chunks {
			b.w.Write(p) // stderr: nowhere to report its failure
		}
		b.mu.Lock()
		b.wrote += uint64(len(chunks))
		for _, p := range chunks {
			if cap(p) == logBufferSize && len(b.free) < logBufferQueue {
				b.free = append(b.free, p[:0])
			}
		}
		b.written.Broadcast()
		b.mu.Unlock()
	}
}

// Close writes what has gathered and stops the writer; lines logged later
// are written at once.
func (b *logBuffer) Close() error {
	close(b.stop)
	<-b.done
	return nil
}

// flushingHandler writes warnings and errors out at once, with every line
// gathered before them, so that what went wrong is on stderr before the
// process might die of it.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.buf}
}
