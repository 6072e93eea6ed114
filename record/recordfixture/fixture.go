// Package recordfixture builds, for tests, a scored population with the
// self-added rule on: the record package's tests and the portal's use it.
package recordfixture

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/record"
	"github.com/sesame-credit/sesame/score"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// billsModel trains a small model on catalogue features where bills paid
// late, days past due and an unverified identity raise the risk: linking a
// bill account paid on time raises a score, one paid late would lower it.
func billsModel(t testing.TB) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	n := 3000
	onTime, dpd, verified, label := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		onTime[i] = rng.Float64()
		if rng.IntN(4) == 0 {
			onTime[i] = math.NaN() // people without bills
		}
		dpd[i] = float64(rng.IntN(60))
		verified[i] = float64(rng.IntN(2))
		ot := onTime[i]
		if math.IsNaN(ot) {
			ot = 0.7
		}
		z := -1.5 + 0.03*dpd[i] - 2.5*(ot-0.7) - 0.6*verified[i]
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			label[i] = 1
		}
	}
	d := &model.Dataset{Label: label, Columns: []model.Column{
		{Name: "bills_on_time_ratio", Type: "numeric", Num: onTime},
		{Name: "worst_dpd_12m", Type: "numeric", Num: dpd},
		{Name: "identity_verified", Type: "numeric", Num: verified},
	}}
	m, err := model.Train(d, model.Config{Seed: 7, Bags: 2, MaxRounds: 200, Catalogue: model.Catalogue{
		"bills_on_time_ratio": {Dimension: "behaviour"}, "worst_dpd_12m": {Dimension: "credit_history"}, "identity_verified": {Dimension: "identity"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Fixture is a scored simulated population on SQLite with the self-added
// rule on, and the record service over it.
type Fixture struct {
	DB     *sqlite.DB
	Scores *score.Service
	Record *record.Service
	// Clock is the score service's now; the record service's is a second
	// earlier, so that an addition is known before the rescore it causes.
	Clock time.Time
}

// New stores and scores people simulated people (seed 11) with a small
// model where bills paid on time raise a score and paid late lower it. Its
// vouching sources are "sim-utility" (bills paid on time) and "sim-late"
// (most bills paid late).
func New(t testing.TB, people int) *Fixture {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := simulate.New(simulate.Options{Seed: 11})
	var evs []sesame.Event
	for i := range people {
		evs = append(evs, g.Person(i)...)
	}
	if _, err := db.Events().Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	f := &Fixture{DB: db, Clock: time.Now().Add(time.Hour).Truncate(time.Second)}
	st := db.Scores()
	f.Scores = &score.Service{Events: db.Events(), Scanner: db.Events(), Scores: st, Models: st, States: db.FeatureStates(),
		Profiler: score.NewFeatureProfiler(score.DefaultMinHistory), Additions: db.Record(), Now: func() time.Time { return f.Clock }}
	info, err := f.Scores.Register(ctx, billsModel(t), "bills")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ActivateModel(ctx, info.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Scores.RescoreAll(ctx, score.RescoreOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Record = &record.Service{Store: db.Record(), Scores: f.Scores, Now: func() time.Time { return f.Clock.Add(-time.Second) },
		Vouchers: map[string]sesame.Voucher{"sim-utility": simulate.Voucher{Late: 0}, "sim-late": simulate.Voucher{Late: 0.6}}}
	return f
}
