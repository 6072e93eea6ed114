package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	sesamehttp "github.com/sesame-credit/sesame/http"
	sesamenats "github.com/sesame-credit/sesame/nats"
	"github.com/sesame-credit/sesame/score"
)

// `sesame serve`: the HTTP API on the configured store. Flags and wiring
// only; the server is package http, JetStream ingestion package nats.

func init() {
	register(&command{name: "serve", summary: "serve the HTTP API (and JetStream ingestion with --nats)", run: runServe})
}

func runServe(ctx context.Context, args []string) error {
	fs := newFlags("serve", "[--db PATH|URL] [--addr HOST:PORT] [flags]")
	dsn := dbFlag(fs)
	addr := fs.String("addr", envOr("SESAME_ADDR", sesamehttp.DefaultAddr), "listen on `HOST:PORT` (env SESAME_ADDR)")
	maxBody := fs.Int64("max-body", sesamehttp.DefaultMaxBody, "largest request body in `BYTES`; larger ones get 413")
	maxBatch := fs.Int("max-batch", sesamehttp.DefaultMaxBatch, "most events in one POST /v1/events; more get 413")
	timeout := fs.Duration("request-timeout", sesamehttp.DefaultRequestTimeout, "time limit to read, handle and answer one request")
	pprof := fs.Bool("pprof", false, "serve runtime profiles under /debug/pprof/ (operator token required)")
	natsURL := fs.String("nats", envOr("SESAME_NATS", ""), "also ingest from NATS JetStream at `URL`, e.g. nats://127.0.0.1:4222 (env SESAME_NATS)")
	operatorToken := fs.String("operator-token", envOr("SESAME_OPERATOR_TOKEN", ""), "bearer `TOKEN` of operators (env SESAME_OPERATOR_TOKEN); a random one is made and printed when empty")
	var sourceTokens []string
	fs.Func("source-token", "a source's bearer token as `NAME=TOKEN` (repeatable; env SESAME_SOURCE_TOKENS, comma-separated): it may send events of source NAME only", func(v string) error {
		sourceTokens = append(sourceTokens, v)
		return nil
	})
	logFormat := fs.String("log-format", "json", "log format on stderr: json or text")
	wires := make([]serveWire, len(serveParts))
	for i, p := range sortedServeParts() {
		wires[i] = p.flags(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return flagError(fs, fmt.Sprintf("unexpected argument %q (serve takes flags only)", fs.Arg(0)))
	}
	// Checked before anything is made (an operator token, a database), so
	// that a typo fails at once and leaves nothing behind.
	if err := checkListenAddr(*addr); err != nil {
		return flagError(fs, "--addr: "+err.Error())
	}
	if env := os.Getenv("SESAME_SOURCE_TOKENS"); env != "" && len(sourceTokens) == 0 {
		sourceTokens = strings.Split(env, ",")
	}

	if os.Getenv("GOGC") == "" {
		// As for `sesame ingest`: ingestion allocates a little per event
		// while the live heap stays small (the batches in flight), so
		// collecting less often buys CPU for the ledger's writer at the cost
		// of some tens of MB. GOGC in the environment overrides it.
		debug.SetGCPercent(ingestGCPercent)
	}
	logger, closeLog, err := newLogger(*logFormat)
	if err != nil {
		return usageError(fs, err.Error())
	}
	defer closeLog()
	// serve takes events in, so it may start on a new database.
	st, err := createStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()

	srv := sesamehttp.NewServer(sesamehttp.Config{Addr: *addr, MaxBody: *maxBody, MaxBatch: *maxBatch, RequestTimeout: *timeout, Pprof: *pprof,
		Version: buildVersion()})
	srv.Events = st.Events
	srv.Logger = logger
	if *operatorToken == "" {
		*operatorToken = randomToken()
		fmt.Fprintf(os.Stderr, "sesame serve: no --operator-token given; this run's operator token is %s (set SESAME_OPERATOR_TOKEN to choose one)\n", *operatorToken)
	}
	srv.Auth.AddToken(*operatorToken, sesamehttp.Principal{Role: sesamehttp.RoleOperator, Name: "operator"})
	for _, v := range sourceTokens {
		name, token, ok := strings.Cut(strings.TrimSpace(v), "=")
		if !ok || name == "" || token == "" {
			return usageError(fs, "--source-token takes NAME=TOKEN, got "+fmt.Sprintf("%q", v))
		}
		srv.Auth.AddToken(token, sesamehttp.Principal{Role: sesamehttp.RoleSource, Name: name})
	}

	env := &serveEnv{Server: srv, Store: st, DSN: *dsn, Logger: logger}
	for _, wire := range wires {
		if wire == nil {
			continue
		}
		if err := wire(ctx, env); err != nil {
			return err
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	if *natsURL != "" {
		stop, err := startNATSIngest(ctx, *natsURL, st.Events, srv, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	go func() {
		errc <- srv.ListenAndServe(ctx, func(a net.Addr) {
			fmt.Fprintf(os.Stderr, "sesame serve: listening on http://%s (API description at /openapi.json, probes /healthz and /readyz, metrics /metrics)\n", a)
		})
	}()
	err = <-errc
	cancel()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// checkListenAddr reports whether addr is a HOST:PORT to listen on.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT (e.g. 127.0.0.1:8080, or :8080 for every interface)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}

// A serve part is a piece of `sesame serve` that lives in its own file
// (scores, partners and consent, the portal): it registers its flags, then
// wires itself into the server once the store is open. Register one from
// the file's init:
//
//	func init() {
//		registerServePart("portal", 30, func(fs *flag.FlagSet) serveWire {
//			demo := fs.Bool("demo", false, "…")
//			return func(ctx context.Context, env *serveEnv) error {
//				return mountPortal(ctx, env.Server, env.Store, portalOptions{Demo: *demo, Scores: env.Scores})
//			}
//		})
//	}
//
// Parts are wired in ascending order (ties by name), before the server
// starts listening; an error stops serve. So that adding a part is a
// one-file change, this file knows none of them.
type servePart struct {
	name  string
	order int
	flags func(fs *flag.FlagSet) serveWire
}

// serveWire wires a part into the server; nil means nothing to do.
type serveWire func(ctx context.Context, env *serveEnv) error

// serveEnv is what parts get, and what they hand on to later parts.
type serveEnv struct {
	Server *sesamehttp.Server
	Store  *store
	DSN    string // --db as given
	Logger *slog.Logger
	// Scores is the score service, for the parts after the one that
	// builds it (nil until then).
	Scores *score.Service
}

var serveParts []servePart

func registerServePart(name string, order int, flags func(fs *flag.FlagSet) serveWire) {
	for _, p := range serveParts {
		if p.name == name {
			panic("duplicate serve part " + name)
		}
	}
	serveParts = append(serveParts, servePart{name, order, flags})
}

func sortedServeParts() []servePart {
	ps := append([]servePart(nil), serveParts...)
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].order != ps[j].order {
			return ps[i].order < ps[j].order
		}
		return ps[i].name < ps[j].name
	})
	return ps
}

// newLogger logs to stderr through a logBuffer; close flushes it.
func newLogger(format string) (logger *slog.Logger, close func(), err error) {
	buf := newLogBuffer(os.Stderr, 100*time.Millisecond)
	var h slog.Handler
	switch format {
	case "json":
		h = slog.NewJSONHandler(buf, nil)
	case "text":
		h = slog.NewTextHandler(buf, nil)
	default:
		buf.Close()
		return nil, nil, fmt.Errorf("--log-format must be json or text, not %q", format)
	}
	return slog.New(flushingHandler{h, buf}), func() { buf.Close() }, nil
}

func randomToken() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// startNATSIngest connects to JetStream and runs the ingestion consumer
// beside the server: its events count in the server's metrics, and /readyz
// fails while the connection is down. stop waits for the round in progress.
func startNATSIngest(ctx context.Context, url string, events sesame.EventStore, srv *sesamehttp.Server, logger *slog.Logger) (stop func(), err error) {
	nc, js, err := sesamenats.Connect(url, logger)
	if err != nil {
		return nil, err
	}
	c, err := sesamenats.NewConsumer(js, events, sesamenats.Config{}, sesamenats.Options{
		Logger: logger, EventsIngested: srv.Metrics.EventsIngested, Registerer: srv.Metrics.Registry,
		SourceLastAccepted: srv.Metrics.Business.SourceLastAccepted})
	if err != nil {
		nc.Close()
		return nil, err
	}
	srv.Ready = append(srv.Ready, sesamehttp.ReadyCheck{Name: "nats", Check: func(context.Context) error {
		if !nc.IsConnected() {
			return sesame.Errorf(sesame.EUNAVAILABLE, "not connected to NATS")
		}
		return nil
	}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := c.Run(ctx); err != nil {
				logger.Error("nats: ingestion stopped; retrying in 5s", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Second):
				}
			}
		}
	}()
	return func() { <-done; nc.Close() }, nil
}
