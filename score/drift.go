package score

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/model"
)

// driftState is the drift of the population at the last full rescore:
// the score's PSI and every input's CSI against the active model's
// training baseline.
type driftState struct {
	mu      sync.Mutex
	version string
	drift   model.Drift
	ok      bool
}

// Drift returns the drift measured by the last full rescore, and the model
// version it was measured against; ok is false before the first. With
// Runs it is the deployment's last run's, whichever replica measured it.
func (s *Service) Drift() (version string, d model.Drift, ok bool) {
	if s.Runs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		version, d, ok, err := s.Runs.RunDrift(ctx)
		if err != nil {
			s.log().Warn("drift: read the last run's", "err", err)
			return "", d, false
		}
		return version, d, ok
	}
	s.drift.mu.Lock()
	defer s.drift.mu.Unlock()
	return s.drift.version, s.drift.drift, s.drift.ok
}

func (s *Service) setDrift(version string, d model.Drift) {
	s.drift.mu.Lock()
	defer s.drift.mu.Unlock()
	s.drift.version, s.drift.drift, s.drift.ok = version, d, true
}

// countDrift adds a stored score to a drift tally of the engine's model,
// reading its inputs back from the score's feature values.
func (e *Engine) countDrift(c *model.DriftCounter, sc *sesame.Score) {
	if sc.Status != sesame.StatusScored {
		return
	}
	x := make(model.Vector, len(e.column))
	for i, col := range e.column {
		x[i] = math.NaN()
		if col >= 0 && col < len(e.names) {
			if v, ok := sc.Features[e.names[col]]; ok {
				x[i] = v
			}
		}
	}
	c.Count(x, sc.Score)
}

var (
	psiDesc = prometheus.NewDesc("sesame_model_psi",
		"Population stability index against the active model's training baseline at the last full rescore: term=\"score\" for the score, else the input's CSI. Above 0.25 the population has shifted.",
		[]string{"model_version", "term"}, nil)
	driftRowsDesc = prometheus.NewDesc("sesame_model_drift_people",
		"People scored in the last full rescore, over whom sesame_model_psi is measured.",
		[]string{"model_version"}, nil)
)

// DriftCollector exports Drift to Prometheus.
func (s *Service) DriftCollector() prometheus.Collector { return driftCollector{s} }

type driftCollector struct{ s *Service }

func (c driftCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- psiDesc
	ch <- driftRowsDesc
}

func (c driftCollector) Collect(ch chan<- prometheus.Metric) {
	version, d, ok := c.s.Drift()
	if !ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(driftRowsDesc, prometheus.GaugeValue, float64(d.Rows), version)
	if !math.IsNaN(d.Score) {
		ch <- prometheus.MustNewConstMetric(psiDesc, prometheus.GaugeValue, d.Score, version, "score")
	}
	for name, csi := range d.Features {
		ch <- prometheus.MustNewConstMetric(psiDesc, prometheus.GaugeValue, csi, version, name)
	}
}
