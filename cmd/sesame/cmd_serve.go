package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/dispute"
	sesamehttp "github.com/sesame-credit/sesame/http"
	sesamenats "github.com/sesame-credit/sesame/nats"
	"github.com/sesame-credit/sesame/notice"
	"github.com/sesame-credit/sesame/score"
)

// `sesame serve`: the HTTP API on the configured store. Flags and wiring
// only; the server is package http, JetStream ingestion package nats.

func init() {
	register(&command{name: "serve", summary: "serve the HTTP API (and JetStream ingestion with --nats)", run: runServe})
}

func runServe(ctx context.Context, args []string) error {
	m := &serveMain{}
	if err := m.parseFlags(args); err != nil {
		return err
	}
	return m.run(ctx)
}

// serveMain is `sesame serve`: its settings, parsed from flags and the
// environment, then wired into a server in run, in one place.
type serveMain struct {
	DSN             string
	Addr            string
	MaxBody         int64
	MaxBatch        int
	RequestTimeout  time.Duration
	Pprof           bool
	MetricsAddr     string // /metrics without a token, apart from the API
	NATS            string
	NATSConfig      sesamenats.Config // stream, subjects, consumer and the stream's limits
	OperatorToken   string
	SourceTokens    []string
	LogFormat       string
	RescoreEvery    time.Duration
	RescoreDebounce time.Duration
	RescoreRange    int           // people per range of the full rescore's work queue
	RescoreClaim    time.Duration // how long a dead replica's range or pending people wait before another takes them
	RescoreKeep     int           // full rescore runs kept in the database
	Demo            bool
	PublicURL       string
	KEKFile         string
	TrustProxy      bool
	SecureCookies   bool
	AccessKeyFile   string // the Ed25519 key that signs the access log's heads
	NoticeEvery     time.Duration
	ScoreChange     int           // a score move of this many points or more is told to the person
	ConsentWarning  time.Duration // a consent is told of this long before it expires
	SMTPURL         string        // notices are also mailed through it to recipients with an address ("": not mailed)
	MailFrom        string
	Retention       time.Duration // negative records stop counting after it
	StaleAfter      time.Duration // a source lagging more is shown as stale
	DisputeSweep    time.Duration
}

func (m *serveMain) parseFlags(args []string) error {
	fs := newFlags("serve", "[--db PATH|URL] [--addr HOST:PORT] [flags]")
	fs.StringVar(&m.DSN, "db", envOr("SESAME_DB", defaultDB), "database: a SQLite file `PATH`, or a postgres:// URL (env SESAME_DB)")
	fs.StringVar(&m.Addr, "addr", envOr("SESAME_ADDR", sesamehttp.DefaultAddr), "listen on `HOST:PORT` (env SESAME_ADDR)")
	fs.Int64Var(&m.MaxBody, "max-body", sesamehttp.DefaultMaxBody, "largest request body in `BYTES`; larger ones get 413")
	fs.IntVar(&m.MaxBatch, "max-batch", sesamehttp.DefaultMaxBatch, "most events in one POST /v1/events; more get 413")
	fs.DurationVar(&m.RequestTimeout, "request-timeout", sesamehttp.DefaultRequestTimeout, "time limit to read, handle and answer one request")
	fs.BoolVar(&m.Pprof, "pprof", false, "serve runtime profiles under /debug/pprof/ (operator token required)")
	fs.StringVar(&m.MetricsAddr, "metrics-addr", envOr("SESAME_METRICS_ADDR", "127.0.0.1:9464"), "also serve /metrics without a token on `HOST:PORT` (env SESAME_METRICS_ADDR; keep it loopback or private; \"\" for none); on --addr /metrics needs the operator token")
	fs.StringVar(&m.NATS, "nats", envOr("SESAME_NATS", ""), "also ingest from NATS JetStream at `URL`, e.g. nats://127.0.0.1:4222 (env SESAME_NATS)")
	natsCfg, checkNATS := natsFlags(fs)
	fs.StringVar(&m.OperatorToken, "operator-token", envOr("SESAME_OPERATOR_TOKEN", ""), "bearer `TOKEN` of operators (env SESAME_OPERATOR_TOKEN); a random one is made and printed when empty")
	fs.Func("source-token", "a source's bearer token as `NAME=TOKEN` (repeatable; env SESAME_SOURCE_TOKENS, comma-separated): it may send events of source NAME only", func(v string) error {
		m.SourceTokens = append(m.SourceTokens, v)
		return nil
	})
	fs.StringVar(&m.LogFormat, "log-format", "json", "log format on stderr: json or text")
	fs.DurationVar(&m.RescoreEvery, "rescore-every", 30*24*time.Hour, "full refresh of every score at this `INTERVAL` (0: never), once per deployment however many replicas; events rescore their person at once regardless")
	fs.IntVar(&m.RescoreRange, "rescore-range", score.DefaultRangePeople, "a full rescore is split into ranges of about `PEOPLE` people that replicas claim from the database")
	fs.IntVar(&m.RescoreKeep, "rescore-keep", score.DefaultKeepRuns, "keep the newest `N` full rescore runs (with their ranges) in the database; the elected replica deletes older finished ones")
	fs.DurationVar(&m.RescoreClaim, "rescore-claim", 30*time.Second, "a replica's claim on a rescore range or on pending people lives this `LONG` unrenewed: how long a dead replica's work waits before another takes it")
	retention, staleAfter := coverageFlags(fs)
	fs.DurationVar(&m.DisputeSweep, "dispute-sweep", time.Hour, "enforce dispute deadlines (unanswered: the record is suppressed and its person rescored) every `INTERVAL`")
	fs.DurationVar(&m.RescoreDebounce, "rescore-debounce", 200*time.Millisecond, "gather a person's events for this long before rescoring them")
	fs.BoolVar(&m.Demo, "demo", false, "demo mode: anyone may log in as anyone (POST /v1/auth/demo), said in every answer; never with real data")
	fs.StringVar(&m.PublicURL, "public-url", envOr("SESAME_PUBLIC_URL", ""), "the server's public `URL`, for approval and login links (env SESAME_PUBLIC_URL; default: from each request)")
	fs.StringVar(&m.KEKFile, "kek-file", kekFileEnv(), "file holding the key that encrypts credential signing keys (default: DB.credential-kek; none on PostgreSQL, where the portal is off without it; env SESAME_CREDENTIAL_KEK_FILE; $SESAME_CREDENTIAL_KEK holds the key itself)")
	fs.BoolVar(&m.TrustProxy, "trust-proxy", false, "believe X-Forwarded-Proto from a TLS-terminating proxy (cookies then get Secure)")
	fs.BoolVar(&m.SecureCookies, "secure-cookies", false, "always set Secure on cookies, even over plain HTTP")
	fs.StringVar(&m.AccessKeyFile, "access-key", envOr("SESAME_ACCESS_KEY_FILE", ""), "`FILE` holding the Ed25519 key that signs the access log's heads, made when missing (env SESAME_ACCESS_KEY_FILE; default: DB.access-key; on PostgreSQL name one, the same for every replica, or each run signs with a key of its own)")
	fs.DurationVar(&m.NoticeEvery, "notice-every", 10*time.Second, "deliver due notices to webhooks every `INTERVAL`")
	fs.IntVar(&m.ScoreChange, "score-change-notice", notice.DefaultScoreChange, "tell a person when their score moves by `POINTS` or more (at least 1)")
	fs.StringVar(&m.SMTPURL, "smtp-url", envOr("SESAME_SMTP_URL", ""), "mail people their login links, and notices to recipients with an address (sesame notices mail-to, PUT /v1/me/email), through the SMTP server at `URL`, smtp://[user:password@]host[:port] (env SESAME_SMTP_URL)")
	fs.StringVar(&m.MailFrom, "mail-from", envOr("SESAME_MAIL_FROM", ""), "the `ADDRESS` notices are mailed from (env SESAME_MAIL_FROM; required with --smtp-url)")
	fs.DurationVar(&m.ConsentWarning, "consent-warning", notice.DefaultConsentWarning, "tell a person and the partner this `LONG` before a consent expires")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return flagError(fs, fmt.Sprintf("unexpected argument %q (serve takes flags only)", fs.Arg(0)))
	}
	// Checked before anything is made (an operator token, a database), so
	// that a typo fails at once and leaves nothing behind.
	if err := checkListenAddr(m.Addr); err != nil {
		return flagError(fs, "--addr: "+err.Error())
	}
	m.Retention, m.StaleAfter = *retention, *staleAfter
	if err := checkNATS(); err != nil {
		return usageError(fs, err.Error())
	}
	m.NATSConfig = *natsCfg
	if m.SMTPURL != "" {
		if _, err := notice.ParseSMTPURL(m.SMTPURL); err != nil {
			return usageError(fs, err.Error())
		}
		if !notice.ValidAddress(m.MailFrom) {
			return usageError(fs, "--mail-from must be one e-mail address when --smtp-url is set")
		}
	}
	if m.RescoreKeep < 1 {
		return usageError(fs, "--rescore-keep must be at least 1")
	}
	if m.RescoreRange < 1 || m.RescoreClaim < time.Second {
		return usageError(fs, "--rescore-range must be at least 1 and --rescore-claim at least 1s")
	}
	if m.ScoreChange < 1 || m.ConsentWarning <= 0 {
		return usageError(fs, "--score-change-notice must be at least 1 and --consent-warning positive")
	}
	if env := os.Getenv("SESAME_SOURCE_TOKENS"); env != "" && len(m.SourceTokens) == 0 {
		m.SourceTokens = strings.Split(env, ",")
	}
	if m.LogFormat != "json" && m.LogFormat != "text" {
		return usageError(fs, fmt.Sprintf("--log-format must be json or text, not %q", m.LogFormat))
	}
	for _, v := range m.SourceTokens {
		if name, token, ok := strings.Cut(strings.TrimSpace(v), "="); !ok || name == "" || token == "" {
			return usageError(fs, fmt.Sprintf("--source-token takes NAME=TOKEN, got %q", v))
		}
	}
	if m.AccessKeyFile == "" && !isPostgresURL(m.DSN) {
		m.AccessKeyFile = m.DSN + ".access-key"
	}
	return nil
}

// run opens the store, wires the server — ledger, scores, partners and
// consents, the portal, the access log's signer — and serves until ctx ends.
func (m *serveMain) run(ctx context.Context) (err error) {
	if os.Getenv("GOGC") == "" {
		// As for `sesame ingest`: ingestion allocates a little per event
		// while the live heap stays small (the batches in flight), so
		// collecting less often buys CPU for the ledger's writer at the cost
		// of some tens of MB. GOGC in the environment overrides it.
		debug.SetGCPercent(ingestGCPercent)
	}
	var handler slog.Handler = slog.NewJSONHandler(os.Stderr, nil)
	if m.LogFormat == "text" {
		handler = slog.NewTextHandler(os.Stderr, nil)
	}
	logger := slog.New(handler)
	var accessKey ed25519.PrivateKey
	if m.AccessKeyFile != "" {
		if accessKey, err = audit.LoadOrCreateKey(m.AccessKeyFile); err != nil {
			return err
		}
	} else {
		_, accessKey, _ = ed25519.GenerateKey(rand.Reader)
		logger.Warn("the access log's heads are signed with a key made for this run: pass --access-key FILE, the same for every replica, so that auditors can pin one")
	}
	// serve takes events in, so it may start on a new database.
	st, err := createStore(ctx, m.DSN)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	srv := sesamehttp.NewServer(sesamehttp.Config{Addr: m.Addr, MaxBody: m.MaxBody, MaxBatch: m.MaxBatch, RequestTimeout: m.RequestTimeout, Pprof: m.Pprof, MetricsAddr: m.MetricsAddr,
		Version: buildVersion()})
	srv.Events = st.Events
	srv.Outage = st.Unavailable
	srv.Watermarks = st.Watermarks()
	srv.Outbox = st.Outbox()
	srv.Eraser = st.Eraser()
	srv.Mail = st.Mail()
	srv.Logger = logger
	// Notices owed to partners' and sources' webhooks, at least once.
	deliverer := &notice.Deliverer{Outbox: st.Outbox(), Log: logger}
	go deliverer.Run(ctx, m.NoticeEvery)
	// Notices of partners' looks, score changes and expiring consents,
	// derived from what is committed.
	if m.SMTPURL != "" {
		server, _ := notice.ParseSMTPURL(m.SMTPURL) // checked by parseFlags
		go (&notice.Mailer{Store: st.Mail(), Server: server, From: m.MailFrom, Log: logger}).Run(ctx, m.NoticeEvery)
	}
	go deliverer.RunNotifier(ctx, &notice.Notifier{Feed: st.NoticeFeed(), ScoreChange: m.ScoreChange, ConsentWarning: m.ConsentWarning}, m.NoticeEvery)
	if m.OperatorToken == "" {
		m.OperatorToken = randomToken()
		fmt.Fprintf(os.Stderr, "sesame serve: no --operator-token given; this run's operator token is %s (set SESAME_OPERATOR_TOKEN to choose one)\n", m.OperatorToken)
	}
	srv.Auth.AddToken(m.OperatorToken, sesamehttp.Principal{Role: sesamehttp.RoleOperator, Name: "operator"})
	for _, v := range m.SourceTokens {
		name, token, _ := strings.Cut(strings.TrimSpace(v), "=")
		srv.Auth.AddToken(token, sesamehttp.Principal{Role: sesamehttp.RoleSource, Name: name})
	}

	// Scores: the service, its refresher on accepted events and the
	// scheduled full rescore.
	svc, err := newScoreService(st, logger)
	if err != nil {
		return err
	}
	svc.Retention, svc.StaleAfter = m.Retention, m.StaleAfter
	srv.StaleAfter = m.StaleAfter
	if _, err := svc.Load(ctx); err != nil {
		logger.Warn("no active model yet: scores are served from storage only until one is activated", "reason", err.Error())
	}
	srv.Scores = svc
	svc.Metrics = srv.Metrics.Business
	srv.Metrics.Registry.MustRegister(svc.DriftCollector())
	disputes := &dispute.Service{Store: st.Disputes(), Scores: svc, Log: logger, Audit: &audit.Recorder{Log: trustOf(st).AccessLog}}
	srv.Disputes = disputes
	go disputes.Run(ctx, m.DisputeSweep)
	// The products' policies: one catalogue for the portal and partners'
	// decisions, reloaded when any replica uploads one.
	catalog, err := catalogFrom(ctx, trustOf(st).Decisions)
	if err != nil {
		return err
	}
	// The deployment: full rescores through the database's queue, people
	// pending after their events (accepted ones here only hint), and the
	// reload of the model and policies changed through other replicas.
	pending, err := wireCluster(ctx, st, svc, catalog, clusterOptions{Every: m.RescoreEvery, RangePeople: m.RescoreRange,
		Claim: m.RescoreClaim, Keep: m.RescoreKeep, Debounce: m.RescoreDebounce, Logger: logger})
	if err != nil {
		return err
	}
	srv.OnAccepted = func(people []string) { pending.Notify(people...) }

	// The portal first: it shares the catalogue with partners' decisions.
	po := portalOptions{
		DBPath: m.DSN, KEKFile: m.KEKFile, Scores: svc, Rescore: svc, Demo: m.Demo, BaseURL: m.PublicURL,
		TrustProxy: m.TrustProxy, SecureCookies: m.SecureCookies, Logger: logger, Catalog: catalog,
	}
	if m.SMTPURL != "" {
		server, _ := notice.ParseSMTPURL(m.SMTPURL) // checked by parseFlags
		po.Mail = &notice.DirectMail{Server: server, From: m.MailFrom}
	}
	err = mountPortal(ctx, srv, st, po)
	if errors.Is(err, errNoKEK) {
		// PostgreSQL deployments that never asked for the portal keep
		// serving the API; naming a KEK turns it on.
		logger.Warn("the portal is off until a credential key encryption key is given", "reason", err.Error())
	} else if err != nil {
		return err
	}
	// Partners, consents, decisions, the person's API and the access log.
	trust := trustOf(st)
	if err := wireTrust(ctx, srv, st, trustOptions{Scores: svc, Rescore: svc, Demo: m.Demo, BaseURL: m.PublicURL, Catalog: catalog}); err != nil {
		return err
	}
	if m.Demo {
		fmt.Fprintln(os.Stderr, "sesame serve: DEMO MODE — anyone can log in as anyone (POST /v1/auth/demo); do not use real data")
	}
	// Business metrics: the score service's rescores and model, and the
	// database's counts (people by band, consents, credentials, decisions).
	srv.Metrics.Business.Watch(svc, st.Stats())
	go audit.RunSigner(ctx, trust.AccessLog, accessKey, audit.HeadInterval, logger)

	if m.NATS != "" {
		stop, err := startNATSIngest(ctx, m.NATS, m.NATSConfig, st.Events, srv, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	err = srv.ListenAndServe(ctx, func(a net.Addr) {
		fmt.Fprintf(os.Stderr, "sesame serve: listening on http://%s (API description at /openapi.json, probes /healthz and /readyz, /metrics with the operator token)\n", a)
	})
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

func randomToken() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// startNATSIngest connects to JetStream and runs the ingestion consumer
// beside the server: its events count in the server's metrics, and /readyz
// shows the connection degraded while it is down (the API still serves). stop waits for the round in progress.
func startNATSIngest(ctx context.Context, url string, cfg sesamenats.Config, events sesame.EventStore, srv *sesamehttp.Server, logger *slog.Logger) (stop func(), err error) {
	nc, js, err := sesamenats.Connect(url, logger)
	if err != nil {
		return nil, err
	}
	c, err := sesamenats.NewConsumer(js, events, cfg, sesamenats.Options{
		Logger: logger, EventsIngested: srv.Metrics.EventsIngested, Registerer: srv.Metrics.Registry, Watermarks: srv.Watermarks,
		SourceLastAccepted: srv.Metrics.Business.SourceLastAccepted})
	if err != nil {
		nc.Close()
		return nil, err
	}
	// failedAt is when the consumer last stopped on an error (Unix ns; 0:
	// never). Connected is not enough to be consuming: a stream JetStream
	// refuses to make (3 replicas on one server) fails every 5 s, and
	// /readyz should say so.
	var failedAt atomic.Int64
	srv.Ready = append(srv.Ready, sesamehttp.ReadyCheck{Name: "nats", Degraded: true, Check: func(context.Context) error {
		if !nc.IsConnected() {
			return sesame.Errorf(sesame.EUNAVAILABLE, "not connected to NATS")
		}
		if t := failedAt.Load(); t != 0 && time.Since(time.Unix(0, t)) < 10*time.Second {
			return sesame.Errorf(sesame.EUNAVAILABLE, "NATS ingestion is failing; see the log")
		}
		return nil
	}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := c.Run(ctx); err != nil {
				failedAt.Store(time.Now().UnixNano())
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
