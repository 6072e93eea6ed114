// Package http is Sesame's JSON API over HTTP: event ingestion and read-back
// now; scores, partners and the portal's API in files added beside these.
// It imports net/http as nethttp so that the package can keep the name the
// design gives it (http, as in WTF Dial); importers usually rename it, e.g.
// sesamehttp.
//
// A Server holds the services it exposes as fields. Each route group lives
// in its own file with a method `func (s *Server) registerX(mux
// *nethttp.ServeMux)` that it adds to the list in its init function (see
// routes.go), so adding a group of routes is a one-file change, plus the
// service field it reads in this file.
package http

import (
	"context"
	"errors"
	"github.com/sesame-credit/sesame/score"
	"log/slog"
	"net"
	nethttp "net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/dispute"
)

// Config holds the server's limits and switches. The zero value of a field
// means its default.
type Config struct {
	// Addr is the HOST:PORT to listen on (default 127.0.0.1:8080).
	Addr string
	// MaxBody bounds a request body in bytes (default DefaultMaxBody).
	MaxBody int64
	// MaxBatch bounds the events of one ingestion request (default DefaultMaxBatch).
	MaxBatch int
	// RequestTimeout bounds the time to read, handle and answer a request
	// (default DefaultRequestTimeout). Handlers see it as their context's deadline.
	RequestTimeout time.Duration
	// Pprof serves net/http/pprof under /debug/pprof/ (to operators only).
	Pprof bool
	// MetricsAddr, when not "", is a second HOST:PORT serving /metrics
	// without a token (for scrapers; keep it loopback or private). On the
	// main address /metrics needs the operator token.
	MetricsAddr string
	// Version is the build's version, shown by /healthz.
	Version string
}

// Defaults of Config.
const (
	DefaultAddr           = "127.0.0.1:8080"
	DefaultMaxBody        = 32 << 20 // 10,000 events of ~3 KiB each
	DefaultMaxBatch       = 10_000
	DefaultRequestTimeout = 30 * time.Second
	// maxGroupEvents bounds a transaction shared by concurrent ingestion
	// requests (see groupcommit.go).
	maxGroupEvents = 20_000
)

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	return c
}

// Server is the HTTP API. Set the service fields after NewServer and before
// Handler or ListenAndServe; a nil service leaves its routes out (they
// answer 404), so a partly wired server still runs. The operator configures
// it; clients reach it only through its routes.
type Server struct {
	// Events is the ledger: POST /v1/events appends to it, GET
	// /v1/people/{id}/events reads it. Required for those routes.
	Events sesame.EventStore
	// Ready lists what must work before /readyz answers 200, beside the
	// event store (which is always checked when set).
	Ready []ReadyCheck
	// Outage, when set, tells a database that cannot answer for now (down,
	// locked, unreachable) from a fault of the request or the code: such
	// errors are answered 503 with Retry-After, not 500 (sqlite.Unavailable,
	// postgres.Unavailable).
	Outage func(error) bool
	// Auth turns a request's credentials into a Principal; see auth.go.
	Auth *Authenticator
	// Metrics is the Prometheus registry served at /metrics; other packages
	// register their collectors on Metrics.Registry.
	Metrics *Metrics
	// Logger receives one line per request and every internal error.
	Logger *slog.Logger
	// Now is the clock (time.Now by default), replaceable in tests.
	Now func() time.Time
	// Scores serves scores, history, what-ifs, tips and the model registry
	// (score.go); nil leaves those routes out.
	Scores *score.Service
	// OnAccepted, when set, is told which people had events accepted by an
	// ingestion request, after they are durable (the score refresher).
	OnAccepted func(people []string)
	// Watermarks keeps the sources' "complete up to" times (watermarks.go:
	// PUT /v1/sources/{source}/watermark, the Sesame-Complete-To header of
	// POST /v1/events, GET /v1/sources, /metrics); nil leaves them out.
	Watermarks sesame.WatermarkStore
	// StaleAfter is how long a source may lag before it is shown as stale
	// (0: sesame.DefaultStaleAfter).
	StaleAfter time.Duration
	// Disputes runs people's disputes of their records (disputes.go); nil
	// leaves those routes out.
	Disputes *dispute.Service
	// Outbox gives a person their notices (GET /v1/me/notices); nil leaves
	// the route out.
	Outbox sesame.Outbox
	// Eraser erases a person who asks (DELETE /v1/me, erase.go); nil
	// leaves the routes out.
	Eraser sesame.Eraser
	// Mail keeps the address a person's notices are mailed to (PUT
	// /v1/me/email); nil leaves the route out.
	Mail sesame.MailStore

	cfg       Config
	buildOnce sync.Once
	handler   nethttp.Handler
	patterns  []string // every pattern registered, for tests and docs
	appender  *groupCommitter
	// metricsAddr is where serveMetrics listens, once it does.
	metricsAddr atomic.Value
	trust       *Trust    // UseTrust
	mounted     []Mounter // Mount
}

// NewServer returns a server with cfg's limits, a fresh metrics registry, an
// authenticator that accepts no tokens yet and slog's default logger.
func NewServer(cfg Config) *Server {
	return &Server{
		cfg:     cfg.withDefaults(),
		Auth:    NewAuthenticator(),
		Metrics: NewMetrics(),
		Logger:  slog.Default(),
		Now:     time.Now,
	}
}

// Config returns the server's configuration with defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Handler returns the server's root handler: routing, then the middleware
// every request goes through. It is built once, on first use, from the
// service fields as they are then.
func (s *Server) Handler() nethttp.Handler {
	s.buildOnce.Do(func() {
		if s.Events != nil {
			s.appender = newGroupCommitter(s.Events, max(s.cfg.MaxBatch, maxGroupEvents), func(n int) { s.Metrics.groupEvents.Observe(float64(n)) })
		}
		mux := nethttp.NewServeMux()
		s.routes(mux)
		s.handler = s.middleware(s.dispatch(mux))
	})
	return s.handler
}

// ListenAndServe serves on cfg.Addr until ctx ends, then shuts down
// gracefully: it stops accepting, lets requests in flight finish (each is
// bounded by RequestTimeout) and returns nil. ready, when not nil, is called
// with the bound address once the listener is open.
func (s *Server) ListenAndServe(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln, ready)
}

// Serve is ListenAndServe on a listener the caller opened.
func (s *Server) Serve(ctx context.Context, ln net.Listener, ready func(addr net.Addr)) error {
	ln = jsonErrorListener{ln}
	srv := &nethttp.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		// The body is read within the request's time budget; the answer
		// gets a little more, so that a timeout can still be reported.
		ReadTimeout:  s.cfg.RequestTimeout,
		WriteTimeout: s.cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	if s.cfg.MetricsAddr != "" {
		go s.serveMetrics(ctx, s.cfg.MetricsAddr)
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Logger.Info("shutting down: finishing requests in flight", "grace", s.cfg.RequestTimeout+5*time.Second)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, nethttp.ErrServerClosed) {
		return err
	}
	return nil
}
