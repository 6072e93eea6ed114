package main

import (
	"bytes"
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
