package http

import (
	"context"
	"log/slog"
	"net"
	nethttp "net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the server's Prometheus registry and the collectors of this
// package. Other packages add theirs (scores computed, rescore lag, NATS
// messages) with Registry.MustRegister; everything registered is served at
// /metrics.
type Metrics struct {
	Registry *prometheus.Registry
	// EventsIngested counts events by transport (http, nats, file) and
	// outcome (accepted, duplicate, conflict, rejected). The NATS consumer
	// is handed this same counter, so that one metric tells the whole story.
	EventsIngested *prometheus.CounterVec

	requestDuration *prometheus.HistogramVec
	// durationOf holds requestDuration's histogram per route and status,
	// found once: WithLabelValues hashes both labels on every call.
	durationOf sync.Map // routeStatus → prometheus.Observer
	// groupEvents is the size of the transactions that concurrent
	// ingestion requests share: how well group commit works.
	groupEvents prometheus.Histogram
	// Business are the figures about scores, consents, credentials and
	// decisions (metrics_business.go).
	Business *BusinessMetrics
}

// NewMetrics returns a registry holding the Go runtime and process
// collectors and the HTTP and ingestion metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		EventsIngested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sesame_events_ingested_total",
			Help: "Events received, by transport and outcome (accepted, duplicate, conflict, rejected).",
		}, []string{"transport", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sesame_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern and status.",
			// From a cached read (sub-millisecond) to a full 10,000-event batch.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "status"}),
		groupEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sesame_http_ingest_transaction_events",
			Help:    "Events per ledger transaction on the HTTP ingestion path (concurrent requests share one).",
			Buckets: prometheus.ExponentialBuckets(10, 2, 12), // 10 … 20,480
		}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.EventsIngested,
		m.requestDuration,
		m.groupEvents,
	)
	m.Business = newBusinessMetrics(m.Registry)
	return m
}

type routeStatus struct {
	route  string
	status int
}

// observeDuration records a request's time under its route and status.
func (m *Metrics) observeDuration(route string, status int, d time.Duration) {
	k := routeStatus{route, status}
	o, ok := m.durationOf.Load(k)
	if !ok {
		o, _ = m.durationOf.LoadOrStore(k, m.requestDuration.WithLabelValues(route, strconv.Itoa(status)))
	}
	o.(prometheus.Observer).Observe(d.Seconds())
}

// registerMetrics serves /metrics on the main address to operators only:
// the figures hold no person's data, but they tell anyone the population's
// size and the platform's traffic. Scrapers without a token use the
// separate metrics address (Config.MetricsAddr, loopback by default).
func (s *Server) registerMetrics(mux *nethttp.ServeMux) {
	h := s.metricsHandler()
	s.handle(mux, "GET /metrics", func(w nethttp.ResponseWriter, r *nethttp.Request) error {
		if _, err := s.authorize(r, RoleOperator); err != nil {
			return err
		}
		h.ServeHTTP(w, r)
		return nil
	})
}

func (s *Server) metricsHandler() nethttp.Handler {
	return promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{ErrorLog: nil, Registry: s.Metrics.Registry})
}

// serveMetrics serves /metrics without a token on addr until ctx ends. It
// is meant for a loopback or private address that only scrapers reach; a
// failure to listen is logged, not fatal: the API matters more than its
// figures.
func (s *Server) serveMetrics(ctx context.Context, addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.Logger.Warn("metrics: cannot listen; /metrics stays on the main address, to operators only", "addr", addr, "err", err)
		return
	}
	mux := nethttp.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	srv := &nethttp.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn)}
	s.Logger.Info("metrics: serving /metrics without a token", "addr", ln.Addr().String())
	s.metricsAddr.Store(ln.Addr().String())
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	srv.Serve(ln)
}

// MetricsAddr returns the address the separate metrics listener bound ("" when none).
func (s *Server) MetricsAddr() string {
	a, _ := s.metricsAddr.Load().(string)
	return a
}
