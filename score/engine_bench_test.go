package score

import (
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/simulate"
)

// The simulated fixture: a model trained the way `sesame model train` does
// (the feature catalogue's dimensions and reasons, ten pairs as the
// automatic choice gives a large population), on simulated people labelled
// by the next twelve months, and profiles of other simulated people to
// score. It is built once per test binary: training takes a few seconds.
const (
	fixtureTrainPeople = 30000
	fixtureScorePeople = 500
	fixtureSeed        = 42
	fixturePairs       = 10
)

var (
	fixtureOnce     sync.Once
	fixtureEngine   *Engine
	fixtureFree     *Engine // the same data with no directions declared: a model with pairs
	fixtureData     *model.Dataset
	fixtureProfiles []Profile
	fixtureAsOf     = simulate.DefaultEnd
	fixtureErr      error
)

// freeFixture is the simulated fixture's engine for a model trained on the
// same people with every declared direction dropped, as models were before
// directions were enforced: its free features take part in pairs, which
// the engine must explain exactly all the same.
func freeFixture(tb testing.TB) (*Engine, []Profile, time.Time) {
	tb.Helper()
	e, profiles, asOf := simulatedFixture(tb)
	freeOnce.Do(func() {
		c := ModelCatalogue()
		for name, info := range c {
			info.Direction = 0
			c[name] = info
		}
		m, err := model.Train(fixtureData, model.Config{Seed: fixtureSeed, Interactions: fixturePairs, Catalogue: c})
		if err != nil {
			tb.Fatal(err)
		}
		fixtureFree = NewEngine(m, "free", e.profiler)
	})
	return fixtureFree, profiles, asOf
}

var freeOnce sync.Once

func simulatedFixture(tb testing.TB) (*Engine, []Profile, time.Time) {
	tb.Helper()
	fixtureOnce.Do(func() {
		fixtureEngine, fixtureProfiles, fixtureErr = buildFixture()
	})
	if fixtureErr != nil {
		tb.Fatal(fixtureErr)
	}
	return fixtureEngine, fixtureProfiles, fixtureAsOf
}

func buildFixture() (*Engine, []Profile, error) {
	g := simulate.New(simulate.Options{Seed: fixtureSeed})
	trainAsOf := fixtureAsOf.AddDate(-1, 0, 0)
	names := feature.Names()
	cols := make([][]float64, len(names))
	var label []float64
	s, l := feature.NewState(), feature.NewState()
	var vec []float64
	for i := range fixtureTrainPeople {
		events := g.Person(i)
		s.Reset()
		s.ApplyVisible(events, trainAsOf)
		if s.Missing(trainAsOf, DefaultMinHistory) != nil {
			continue
		}
		bad, already := feature.AllOutcomes.Label(l, events, trainAsOf, fixtureAsOf)
		if already {
			continue
		}
		vec = s.FeaturesInto(vec, trainAsOf, nil, nil)
		for j, v := range vec {
			cols[j] = append(cols[j], v)
		}
		y := 0.0
		if bad {
			y = 1
		}
		label = append(label, y)
	}
	d := &model.Dataset{Label: label}
	for j, n := range names {
		d.Columns = append(d.Columns, model.Column{Name: n, Type: "numeric", Num: cols[j]})
	}
	m, err := model.Train(d, model.Config{Seed: fixtureSeed, Interactions: fixturePairs, Catalogue: ModelCatalogue()})
	if err != nil {
		return nil, nil, err
	}
	fixtureData = d
	prof := NewFeatureProfiler(DefaultMinHistory)
	e := NewEngine(m, "bench", prof)
	profiles := make([]Profile, 0, fixtureScorePeople)
	for i := range fixtureScorePeople {
		// People the model never saw, scored at the end of their history.
		profiles = append(profiles, prof.Profile(g.Person(1_000_000+i), fixtureAsOf))
	}
	return e, profiles, nil
}

// BenchmarkScoreProfile is issue 5's in-process figure: score, band, five
// dimension sub-scores, top reasons and tips with exact gains, from an
// already computed profile. One op is one person; the profiles are a
// realistic mix, including people without enough history.
func BenchmarkScoreProfile(b *testing.B) {
	e, profiles, asOf := simulatedFixture(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.ScoreProfile("p", profiles[i%len(profiles)], asOf)
	}
}
