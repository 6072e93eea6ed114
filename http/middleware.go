package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	nethttp "net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"
)

// requestState is what the middleware learns about a request while it runs:
// the routing fills in the pattern, the error writer the code. One pointer
// in the context, so that inner handlers can fill it in for the outer log
// line and metrics.
type requestState struct {
	id      string
	pattern string // the route's pattern; "" for no route
	errCode string
}

type stateKey struct{}

// stateOf returns the request's state; requests that did not come through
// the middleware (a handler under test) get a fresh one.
func stateOf(r *nethttp.Request) *requestState {
	if st, ok := r.Context().Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{id: newRequestID()}
}

// RequestID returns the id of the request that ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if st, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return st.id
	}
	return ""
}

// middleware wraps every request, outermost first: request id, log line and
// metrics; panic recovery; time limit; body size limit.
func (s *Server) middleware(next nethttp.Handler) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		start := time.Now()
		st := &requestState{id: requestID(r.Header.Get("X-Request-Id"))}
		sw := &statusWriter{ResponseWriter: w}
		w.Header().Set("X-Request-Id", st.id)
		ctx, cancel := context.WithDeadline(context.WithValue(r.Context(), stateKey{}, st), start.Add(s.cfg.RequestTimeout))
		defer cancel()
		r = r.WithContext(ctx)

		defer func() {
			if p := recover(); p != nil {
				if p == nethttp.ErrAbortHandler {
					panic(p) // the handler asked to drop the connection
				}
				s.Logger.ErrorContext(ctx, "panic in handler", "request_id", st.id, "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, fmt.Errorf("panic: %v", p))
				}
			}
			s.observe(r, st, sw, start, time.Now())
		}()
		// A declared length over the limit is refused before reading; an
		// undeclared one is cut at the limit while it is read.
		if r.ContentLength > s.cfg.MaxBody {
			s.writeError(sw, r, tooLarge(s.cfg.MaxBody))
			return
		}
		if r.Body != nethttp.NoBody { // a GET's: nothing to cut
			r.Body = nethttp.MaxBytesReader(sw, r.Body, s.cfg.MaxBody)
		}
		next.ServeHTTP(sw, r)
	})
}

// observe writes the request's log line and records its latency.
func (s *Server) observe(r *nethttp.Request, st *requestState, sw *statusWriter, start, end time.Time) {
	status := sw.status
	if status == 0 {
		status = nethttp.StatusOK
	}
	route := st.pattern
	if route == "" {
		route = "unmatched" // keeps the metric's cardinality bounded
	}
	d := end.Sub(start)
	s.Metrics.observeDuration(route, status, d)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	ctx, h := r.Context(), s.Logger.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	// The record is made here rather than by Logger.LogAttrs, which would
	// look up its caller's program counter on every request: this line's
	// source is always this function.
	rec := slog.NewRecord(end, level, "request", 0)
	rec.AddAttrs(
		slog.String("request_id", st.id),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", st.pattern),
		slog.Int("status", status),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", d),
		slog.String("remote", r.RemoteAddr),
	)
	if st.errCode != "" {
		rec.AddAttrs(slog.String("error_code", st.errCode))
	}
	h.Handle(ctx, rec)
}

// statusWriter remembers the status and size of the answer.
type statusWriter struct {
	nethttp.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = nethttp.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (pprof's
// profiles extend their write deadline through it).
func (w *statusWriter) Unwrap() nethttp.ResponseWriter { return w.ResponseWriter }

// requestID returns the client's X-Request-Id when it is a sane token (so a
// client can follow its own id through our logs), or a new one.
func requestID(given string) string {
	if len(given) > 0 && len(given) <= 128 {
		ok := true
		for i := 0; i < len(given) && ok; i++ {
			c := given[i]
			ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
		}
		if ok {
			return given
		}
	}
	return newRequestID()
}

var (
	idPrefix  = randomPrefix()
	idCounter atomic.Uint64
)

func randomPrefix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newRequestID is a per-process random prefix and a counter: unique, cheap,
// and ordered within one process.
func newRequestID() string {
	return idPrefix + "-" + strconv.FormatUint(idCounter.Add(1), 36)
}
