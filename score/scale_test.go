package score

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/sqlite"
)

// scalePopulation draws people whose risk depends on two inputs; base
// moves the whole population's risk, so two draws are different data.
func scalePopulation(n int, seed uint64, base float64) *model.Dataset {
	rng := rand.New(rand.NewPCG(seed, 3))
	late, util, label := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		late[i] = float64(rng.IntN(5))
		util[i] = rng.Float64()
		z := base + 0.8*late[i] + 2*util[i]
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			label[i] = 1
		}
	}
	return &model.Dataset{Label: label, Columns: []model.Column{
		{Name: "late_payments", Type: "numeric", Num: late},
		{Name: "utilisation", Type: "numeric", Num: util},
	}}
}

func artifact(t *testing.T, m *model.Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A score means the same odds under every model version: two versions
// trained on different populations register on the deployment's one scale,
// and on fresh people of each population the bad rate observed among those
// scored 560–680 matches the bad rate the scale gives their scores. A model
// on another scale is refused.
func TestOddsAtAScoreStayFixedAcrossVersions(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := &Service{Models: db.Scores(), Scales: db.Scores()}
	var scale sesame.PointsScale
	for v, base := range []float64{-5, -4} {
		m, err := model.Train(scalePopulation(20000, uint64(v+1), base), model.Config{Seed: uint64(v + 1), Bags: 2, MaxRounds: 300, Interactions: 0})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Register(ctx, artifact(t, m), "version"); err != nil {
			t.Fatalf("version %d: %v", v+1, err)
		}
		got, err := db.Scores().FixPointsScale(ctx, sesame.PointsScale{})
		if err != nil {
			t.Fatal(err)
		}
		if v > 0 && !got.Same(scale) {
			t.Fatalf("the deployment's scale moved from %+v to %+v", scale, got)
		}
		scale = got
		fresh := scalePopulation(40000, uint64(v+100), base)
		var observed, implied, rows, predicted float64
		x := make(model.Vector, 2)
		for i := range fresh.Label {
			x[0], x[1] = fresh.Columns[0].Num[i], fresh.Columns[1].Num[i]
			r := m.Score(x)
			s := r.Unclamped
			if s < 560 || s > 680 {
				continue
			}
			odds := math.Exp((float64(s) - m.Scaling.Offset) / m.Scaling.Factor) // good:bad, by the scale
			observed += fresh.Label[i]
			implied += 1 / (1 + odds)
			predicted += r.Probability
			rows++
		}
		// Binomial noise on the observed count, plus the half-point-per-term
		// rounding of the scores: 4 standard errors and 10% cover both.
		if se := math.Sqrt(implied); rows < 500 || math.Abs(observed-implied) > 4*se+0.1*implied {
			t.Errorf("version %d: %v people scored 560–680, %v bad, the scale says %.1f", v+1, rows, observed, implied)
		}
		t.Logf("version %d: %v people scored 560–680, %v bad, the scale says %.1f, the model %.1f", v+1, rows, observed, implied, predicted)
	}
	cfg := model.Config{Seed: 3, Bags: 2, MaxRounds: 300, Interactions: 0, Scaling: model.Scaling{AnchorScore: 600, AnchorOdds: 20, PDO: 40, Min: 350, Max: 950}}
	m, err := model.Train(scalePopulation(5000, 3, -4), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Register(ctx, artifact(t, m), "other scale"); sesame.ErrorCode(err) != sesame.ECONFLICT {
		t.Fatalf("a model at 600 = 20:1 registered on a 30:1 deployment: %v", err)
	}
}
