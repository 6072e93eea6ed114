package http

import (
	"context"
	nethttp "net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sesame-credit/sesame"
)

// completeToHeader lets a source say, with a batch of events, that its data
// is complete up to a time (RFC 3339): the batch's sources' watermarks move
// to it once the batch is stored.
const completeToHeader = "Sesame-Complete-To"

func (s *Server) registerWatermarks(mux *nethttp.ServeMux) {
	if s.Watermarks == nil {
		return
	}
	s.handle(mux, "PUT /v1/sources/{source}/watermark", s.handleSetWatermark)
	s.handle(mux, "GET /v1/sources", s.handleSources)
	s.Metrics.Registry.MustRegister(&watermarkCollector{s: s})
}

// sourceStatus is a source's watermark as operators see it: how far behind
// its data is, and whether that is past the staleness limit.
type sourceStatus struct {
	sesame.Watermark
	LagSeconds int64 `json:"lag_seconds"`
	Stale      bool  `json:"stale"`
}

func (s *Server) sourceStatus(w sesame.Watermark, now time.Time) sourceStatus {
	return sourceStatus{Watermark: w, LagSeconds: max(int64(now.Sub(w.CompleteTo)/time.Second), 0), Stale: w.Stale(now, s.StaleAfter)}
}

// handleSetWatermark is PUT /v1/sources/{source}/watermark: the source says
// its data is complete up to complete_to. A source may set only its own.
func (s *Server) handleSetWatermark(w nethttp.ResponseWriter, r *nethttp.Request) error {
	who, err := s.authorize(r, RoleOperator, RoleSource)
	if err != nil {
		return err
	}
	source := r.PathValue("source")
	if who.Role == RoleSource && source != who.Name {
		return sesame.Errorf(sesame.EFORBIDDEN, "this token speaks for source %s only", quote(who.Name))
	}
	var body struct {
		CompleteTo string `json:"complete_to"`
	}
	if err := decodeStrict(w, r, &body); err != nil {
		return err
	}
	to, err := parseCompleteTo("complete_to", body.CompleteTo)
	if err != nil {
		return err
	}
	now := s.Now()
	if err := sesame.ValidateWatermark(source, to, now); err != nil {
		return err
	}
	wm, err := s.Watermarks.SetWatermark(r.Context(), source, to)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, s.sourceStatus(wm, now))
	return nil
}

// handleSources is GET /v1/sources: every source's watermark, lag and
// staleness, for operators.
func (s *Server) handleSources(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	ws, err := s.Watermarks.Watermarks(r.Context())
	if err != nil {
		return err
	}
	now := s.Now()
	all := make([]sourceStatus, 0, len(ws))
	for _, wm := range ws {
		all = append(all, s.sourceStatus(wm, now))
	}
	p, err := pageList(r.URL.Query(), all, defaultPageLimit, byID, func(st sourceStatus) listKey { return listKey{ID: st.Source} })
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, listAnswer("sources", p))
	return nil
}

// parseCompleteTo reads an RFC 3339 time named field.
func parseCompleteTo(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, sesame.Errorf(sesame.EINVALID, "%s is required: the time up to which the source's data is complete (RFC 3339)", field)
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, sesame.Errorf(sesame.EINVALID, "%s must be an RFC 3339 time such as 2026-12-01T00:00:00Z", field)
	}
	return t, nil
}

// ingestWatermark reads the Sesame-Complete-To header of an ingestion
// request (zero when absent), checked before anything is stored.
func (s *Server) ingestWatermark(r *nethttp.Request) (time.Time, error) {
	v := r.Header.Get(completeToHeader)
	if v == "" {
		return time.Time{}, nil
	}
	if s.Watermarks == nil {
		return time.Time{}, sesame.Errorf(sesame.EINVALID, "this server keeps no watermarks: leave out the %s header", completeToHeader)
	}
	to, err := parseCompleteTo(completeToHeader+" header", v)
	if err != nil {
		return time.Time{}, err
	}
	if to.After(s.Now().Add(time.Minute)) {
		return time.Time{}, sesame.Errorf(sesame.EINVALID, "the %s header is in the future: a source can only vouch for data up to now", completeToHeader)
	}
	return to, nil
}

// setBatchWatermarks moves the watermark of each source of the stored
// events (or the source's own, for a source token) to `to`.
func (s *Server) setBatchWatermarks(ctx context.Context, who Principal, events []sesame.Event, to time.Time) error {
	if who.Role == RoleSource {
		_, err := s.Watermarks.SetWatermark(ctx, who.Name, to)
		return err
	}
	done := map[string]bool{}
	for i := range events {
		src := events[i].Source
		if done[src] {
			continue
		}
		done[src] = true
		if _, err := s.Watermarks.SetWatermark(ctx, src, to); err != nil {
			return err
		}
	}
	return nil
}

// watermarkCollector exports each source's lag and staleness at scrape
// time, read from the store so that every replica reports the same.
type watermarkCollector struct{ s *Server }

var (
	sourceLagDesc   = prometheus.NewDesc("sesame_source_data_lag_seconds", "How far each source's data lags now: now minus its watermark (complete up to).", []string{"source"}, nil)
	sourceStaleDesc = prometheus.NewDesc("sesame_source_stale", "1 when the source's data lags by more than the staleness limit (shown to people as stale, never as delinquency).", []string{"source"}, nil)
)

func (c *watermarkCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- sourceLagDesc
	ch <- sourceStaleDesc
}

func (c *watermarkCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ws, err := c.s.Watermarks.Watermarks(ctx)
	if err != nil {
		c.s.Logger.Warn("metrics: reading the sources' watermarks", "err", err)
		return
	}
	now := c.s.Now()
	for _, w := range ws {
		st := c.s.sourceStatus(w, now)
		ch <- prometheus.MustNewConstMetric(sourceLagDesc, prometheus.GaugeValue, float64(st.LagSeconds), w.Source)
		stale := 0.0
		if st.Stale {
			stale = 1
		}
		ch <- prometheus.MustNewConstMetric(sourceStaleDesc, prometheus.GaugeValue, stale, w.Source)
	}
}
