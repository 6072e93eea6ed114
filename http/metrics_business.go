package http

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/score"
)

// BusinessMetrics are the figures about what Sesame does rather than how
// the process runs: scores computed and how long after their events,
// rescores, the active model, where people stand, consents, credentials
// and decisions. The counts kept in the database (people by band, consents,
// credentials, decisions) are the same on every replica: aggregate them
// with max(), not sum(). deploy/grafana and deploy/prometheus use them.
type BusinessMetrics struct {
	scoresComputed prometheus.Counter
	rescoreLag     prometheus.Histogram
	// SourceLastAccepted is when each source last had an event accepted;
	// the NATS consumer is handed it too, so that both transports count.
	SourceLastAccepted *prometheus.GaugeVec

	mu     sync.Mutex
	scores *score.Service
	stats  sesame.StatsReader
	every  time.Duration
	now    func() time.Time
	last   sesame.Stats
	readAt time.Time
	busy   bool
}

func newBusinessMetrics(reg prometheus.Registerer) *BusinessMetrics {
	b := &BusinessMetrics{
		scoresComputed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sesame_scores_computed_total",
			Help: "Scores computed and stored (full rescores and the rescores events trigger).",
		}),
		rescoreLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "sesame_rescore_lag_seconds",
			Help: "Time from a person's event being accepted to their new score being stored.",
			// From the debounce (200 ms) to minutes behind.
			Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900},
		}),
		SourceLastAccepted: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sesame_source_last_accepted_timestamp_seconds",
			Help: "Unix time at which each source last had an event accepted by this process.",
		}, []string{"source"}),
		every: time.Minute,
		now:   time.Now,
	}
	reg.MustRegister(b.scoresComputed, b.rescoreLag, b.SourceLastAccepted, b)
	return b
}

// ScoresComputed implements score.Metrics.
func (b *BusinessMetrics) ScoresComputed(n int) { b.scoresComputed.Add(float64(n)) }

// RescoreLag implements score.Metrics.
func (b *BusinessMetrics) RescoreLag(d time.Duration) { b.rescoreLag.Observe(d.Seconds()) }

// sourcesAccepted records that events of these sources were accepted now.
func (b *BusinessMetrics) sourcesAccepted(events []sesame.Event, results []sesame.AppendResult) {
	now := float64(b.now().UnixNano()) / 1e9
	last := ""
	for i := range events {
		if results[i].Status != sesame.Accepted || events[i].Source == last {
			continue
		}
		last = events[i].Source
		b.SourceLastAccepted.WithLabelValues(last).Set(now)
	}
}

// Watch makes the metrics report the score service's rescores and model,
// and the database's counts, read at most every minute in the background
// so that a scrape never waits for a table scan (but the first).
func (b *BusinessMetrics) Watch(scores *score.Service, stats sesame.StatsReader) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scores, b.stats = scores, stats
}

var (
	descRescoreRunning  = prometheus.NewDesc("sesame_rescore_running", "1 while a full rescore runs in this process.", nil, nil)
	descRescorePeople   = prometheus.NewDesc("sesame_rescore_people_done", "People the running (or last) full rescore has scored.", nil, nil)
	descRescoreDuration = prometheus.NewDesc("sesame_rescore_duration_seconds", "How long the last completed full rescore took.", nil, nil)
	descModelActive     = prometheus.NewDesc("sesame_model_active_info", "The active model version (value 1).", []string{"version"}, nil)
	descPeopleByBand    = prometheus.NewDesc("sesame_people", "People by the band of their latest score (none: too little history).", []string{"band"}, nil)
	descConsentsLive    = prometheus.NewDesc("sesame_consents_live", "Consents granted, not revoked and not expired.", nil, nil)
	descCredIssued      = prometheus.NewDesc("sesame_credentials_issued_total", "Credentials ever issued (revoked ones included).", nil, nil)
	descCredRevoked     = prometheus.NewDesc("sesame_credentials_revoked_total", "Credentials revoked.", nil, nil)
	descDecisions       = prometheus.NewDesc("sesame_decisions_total", "Decisions made, by product and outcome (approve, decline, refer).", []string{"product", "outcome"}, nil)
	descStatsAge        = prometheus.NewDesc("sesame_stats_age_seconds", "Age of the database counts above (people, consents, credentials, decisions).", nil, nil)
)

// Describe implements prometheus.Collector.
func (b *BusinessMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRescoreRunning, descRescorePeople, descRescoreDuration,
		descModelActive, descPeopleByBand, descConsentsLive, descCredIssued, descCredRevoked, descDecisions, descStatsAge} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (b *BusinessMetrics) Collect(ch chan<- prometheus.Metric) {
	b.mu.Lock()
	scores := b.scores
	b.mu.Unlock()
	if scores != nil {
		st := scores.Status()
		running := 0.0
		if st.Running {
			running = 1
		}
		ch <- prometheus.MustNewConstMetric(descRescoreRunning, prometheus.GaugeValue, running)
		ch <- prometheus.MustNewConstMetric(descRescorePeople, prometheus.GaugeValue, float64(st.Done))
		if st.Last != nil {
			ch <- prometheus.MustNewConstMetric(descRescoreDuration, prometheus.GaugeValue, st.Last.Elapsed.Seconds())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if e, err := scores.Engine(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(descModelActive, prometheus.GaugeValue, 1, e.Version())
		}
		cancel()
	}
	stats, at, ok := b.readStats()
	if !ok {
		return
	}
	for _, band := range []sesame.Band{sesame.Poor, sesame.Fair, sesame.Good, sesame.VeryGood, sesame.Excellent, sesame.NoBand} {
		ch <- prometheus.MustNewConstMetric(descPeopleByBand, prometheus.GaugeValue, float64(stats.PeopleByBand[band]), string(band))
	}
	ch <- prometheus.MustNewConstMetric(descConsentsLive, prometheus.GaugeValue, float64(stats.LiveConsents))
	ch <- prometheus.MustNewConstMetric(descCredIssued, prometheus.CounterValue, float64(stats.CredentialsIssued))
	ch <- prometheus.MustNewConstMetric(descCredRevoked, prometheus.CounterValue, float64(stats.CredentialsRevoked))
	for _, d := range stats.Decisions {
		ch <- prometheus.MustNewConstMetric(descDecisions, prometheus.CounterValue, float64(d.N), d.Product, d.Outcome)
	}
	ch <- prometheus.MustNewConstMetric(descStatsAge, prometheus.GaugeValue, b.now().Sub(at).Seconds())
}

// readStats returns the last database counts, reading them first when
// there are none yet and refreshing them in the background when older
// than b.every. The query runs without the lock, so a scrape waits for a
// table scan only the first time.
func (b *BusinessMetrics) readStats() (sesame.Stats, time.Time, bool) {
	b.mu.Lock()
	stats, first := b.stats, b.readAt.IsZero()
	stale := !first && b.now().Sub(b.readAt) >= b.every && !b.busy
	if stale {
		b.busy = true
	}
	b.mu.Unlock()
	switch {
	case stats == nil:
		return sesame.Stats{}, time.Time{}, false
	case first:
		b.refresh(stats)
	case stale:
		go func() {
			b.refresh(stats)
			b.mu.Lock()
			b.busy = false
			b.mu.Unlock()
		}()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last, b.readAt, !b.readAt.IsZero()
}

func (b *BusinessMetrics) refresh(stats sesame.StatsReader) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := b.now()
	st, err := stats.Stats(ctx, now)
	if err != nil {
		return // the previous counts stay, and sesame_stats_age_seconds shows their age
	}
	b.mu.Lock()
	b.last, b.readAt = st, now
	b.mu.Unlock()
}
