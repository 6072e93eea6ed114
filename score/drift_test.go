package score

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// A full rescore measures the population's drift against the active
// model's training baseline — the same PSI and CSIs as tallying every
// stored score by hand — and exports them as sesame_model_psi.
func TestRescoreExportsDrift(t *testing.T) {
	ctx := context.Background()
	const people = 150
	svc, _ := simulatedService(t, people, 11, time.Now().Add(time.Hour))
	m := catalogueModel(t)
	svc.engine.Store(NewEngine(m, "cat", svc.Profiler))
	if _, _, ok := svc.Drift(); ok {
		t.Fatal("drift before any rescore")
	}
	stats, err := svc.RescoreAll(ctx, RescoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	version, got, ok := svc.Drift()
	if !ok || version != "cat" || got.Rows != stats.Scored || stats.Scored == 0 {
		t.Fatalf("drift %+v of %q after a rescore that scored %d", got, version, stats.Scored)
	}
	want := m.NewDrift()
	for i := range people {
		s, err := svc.LatestScore(ctx, simulate.PersonID(i))
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != sesame.StatusScored {
			continue
		}
		rec := model.Record{}
		for _, f := range m.Features {
			if v, ok := s.Features[f.Name]; ok {
				rec[f.Name] = v
			} else {
				rec[f.Name] = nil
			}
		}
		x, err := m.Vector(rec)
		if err != nil {
			t.Fatal(err)
		}
		want.Count(x, s.Score)
	}
	w := want.Drift()
	if math.Abs(w.Score-got.Score) > 1e-9 || len(w.Features) != len(got.Features) {
		t.Fatalf("exported drift %+v, tallied by hand %+v", got, w)
	}
	for f, v := range w.Features {
		if math.Abs(got.Features[f]-v) > 1e-9 {
			t.Fatalf("%s: exported CSI %v, by hand %v", f, got.Features[f], v)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(svc.DriftCollector())
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	terms := map[string]float64{}
	for _, fam := range families {
		if fam.GetName() != "sesame_model_psi" {
			continue
		}
		for _, mt := range fam.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "term" {
					terms[l.GetValue()] = mt.GetGauge().GetValue()
				}
			}
		}
	}
	if terms["score"] != got.Score || len(terms) != 1+len(m.Features) {
		t.Fatalf("/metrics has %v, want the score and %d inputs", terms, len(m.Features))
	}
	t.Logf("score PSI %.4f; CSI %v", got.Score, got.Features)
}

// simulatedService is a score service on a fresh SQLite database holding
// the events of people simulated people, its clock fixed at now.
func simulatedService(t *testing.T, people int, seed uint64, now time.Time) (*Service, *sqlite.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := simulate.New(simulate.Options{Seed: seed})
	var evs []sesame.Event
	for i := range people {
		evs = append(evs, g.Person(i)...)
	}
	if _, err := db.Events().Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	st := db.Scores()
	svc := &Service{Events: db.Events(), Scanner: db.Events(), Scores: st, Models: st, Shadow: st,
		Profiler: NewFeatureProfiler(DefaultMinHistory), Now: func() time.Time { return now }}
	return svc, db
}
