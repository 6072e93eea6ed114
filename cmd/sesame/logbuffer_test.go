package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogBuffer: info lines wait for the interval, a warning goes out at
// once with the lines before it, in order, and Close leaves nothing behind.
func TestLogBuffer(t *testing.T) {
	var out lockedBuffer
	buf := newLogBuffer(&out, time.Hour)
	log := slog.New(flushingHandler{slog.NewTextHandler(buf, nil), buf})
	log.Info("request", "n", 1)
	log.Info("request", "n", 2)
	if out.String() != "" {
		t.Fatalf("info lines written before the interval: %q", out.String())
	}
	log.Warn("trouble", "n", 3)
	got := out.String()
	if strings.Count(got, "\n") != 3 || strings.Index(got, "n=1") > strings.Index(got, "n=2") || !strings.Contains(got, "trouble") {
		t.Fatalf("after a warning: %q", got)
	}
	long := strings.Repeat("x", logBufferSize+10)
	log.Info("request", "n", 4)
	log.Info("big", "body", long)
	log.Info("request", "n", 5)
	buf.Close()
	got = out.String()
	if strings.Count(got, "\n") != 6 || !strings.Contains(got, long) || strings.Index(got, "n=4") > strings.Index(got, "n=5") {
		t.Fatalf("after Close: %d lines", strings.Count(got, "\n"))
	}
}

// gatedWriter blocks every write until the gate opens, as a stalled reader
// of stderr would.
type gatedWriter struct {
	gate chan struct{}
	out  lockedBuffer
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	<-g.gate
	return g.out.Write(p)
}

// TestLogBufferSlowReader: while stderr does not take anything, requests
// go on logging until logBufferQueue buffers wait; nothing is lost or
// reordered once it takes them again.
func TestLogBufferSlowReader(t *testing.T) {
	w := &gatedWriter{gate: make(chan struct{})}
	buf := newLogBuffer(w, time.Hour)
	log := slog.New(flushingHandler{slog.NewTextHandler(buf, nil), buf})
	line := strings.Repeat("y", 1000)
	// About two buffers of lines: fewer than the queue holds.
	n := 2 * logBufferSize / 1000
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		for i := 0; i < n; i++ {
			log.Info("request", "i", i, "pad", line)
		}
	}()
	select {
	case <-logged:
	case <-time.After(10 * time.Second):
		t.Fatal("logging waited for a stalled stderr before the queue was full")
	}
	close(w.gate)
	buf.Close()
	got := w.out.String()
	if c := strings.Count(got, "\n"); c != n {
		t.Fatalf("%d lines written, want %d", c, n)
	}
	last := -1
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		var i int
		if _, err := fmt.Sscanf(l[strings.Index(l, " i=")+1:], "i=%d", &i); err != nil || i != last+1 {
			t.Fatalf("line after i=%d: %.60q (%v)", last, l, err)
		}
		last = i
	}
	log.Info("after close")
	if !strings.Contains(w.out.String(), "after close") {
		t.Fatal("a line logged after Close was not written through")
	}
}
