package http

import (
	"context"
	nethttp "net/http"
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
)

// ReadyCheck is one thing /readyz waits for: Check returns nil when it works.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
	// Degraded marks a check this replica can serve its API without (NATS
	// ingestion: HTTP ingestion and reads go on). Its failure is shown in
	// /readyz but leaves the replica ready, so that a load balancer does
	// not take every replica out for what none of them can mend.
	Degraded bool
}

// registerHealth serves the probes. Both are open: a load balancer has no token.
func (s *Server) registerHealth(mux *nethttp.ServeMux) {
	// /healthz: the process is alive and serving; nothing else is checked,
	// so that a slow database does not get a healthy process restarted.
	s.handle(mux, "GET /healthz", func(w nethttp.ResponseWriter, r *nethttp.Request) error {
		writeJSON(w, nethttp.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
		return nil
	})
	s.handle(mux, "GET /readyz", s.handleReady)
}

type readyAnswer struct {
	Status string            `json:"status"` // ready | not_ready
	Checks map[string]string `json:"checks"` // name → "ok" or what is wrong
}

// handleReady answers 200 when every check passes but degraded ones, 503
// otherwise, naming what failed. The reasons are generic: the details go to the log.
func (s *Server) handleReady(w nethttp.ResponseWriter, r *nethttp.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := s.Ready
	if s.Events != nil {
		checks = append([]ReadyCheck{{Name: "event_store", Check: s.probeEvents}}, checks...)
	}
	ans := readyAnswer{Status: "ready", Checks: map[string]string{}}
	status := nethttp.StatusOK
	for _, c := range checks {
		if err := c.Check(ctx); err != nil {
			if c.Degraded {
				ans.Checks[c.Name] = "degraded: " + sesame.ErrorMessage(err)
				continue
			}
			s.Logger.WarnContext(ctx, "not ready", "check", c.Name, "err", err, "request_id", RequestID(ctx))
			ans.Checks[c.Name] = "failing: " + sesame.ErrorMessage(err)
			ans.Status, status = "not_ready", nethttp.StatusServiceUnavailable
			continue
		}
		ans.Checks[c.Name] = "ok"
	}
	if status == nethttp.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	}
	writeJSON(w, status, ans)
	return nil
}

// probeEvents reads one page of a person nobody is: it succeeds only when
// the store answers and its schema (the migrations) is in place.
func (s *Server) probeEvents(ctx context.Context) error {
	_, err := s.Events.Events(ctx, sesame.EventFilter{Person: "readyz-probe", Limit: 1})
	return err
}
