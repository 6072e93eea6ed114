package model

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sesame-credit/sesame/model/table"
)

func TestTrainingIsDeterministic(t *testing.T) {
	cfg := fastConfig()
	cfg.Parallelism = 1
	a, _ := trainTaiwan(t, cfg)
	cfg.Parallelism = 4 // more goroutines than bags: scheduling must not matter
	b, _ := trainTaiwan(t, cfg)
	ja, jb := modelJSON(t, a), modelJSON(t, b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("two trainings with the same data and seed gave different artifacts")
	}
	cfg.Seed++
	c, _ := trainTaiwan(t, cfg)
	if bytes.Equal(ja, modelJSON(t, c)) {
		t.Fatal("a different seed gave the same artifact: the seed is not used")
	}
}

func TestArtifactRoundTrip(t *testing.T) {
	m, test := trainTaiwan(t, fastConfig())
	if m.Schema != Schema || m.Training.Rows != 2000 || m.Training.SHA256 == "" {
		t.Fatalf("artifact header: schema %q, rows %d, sha256 %q", m.Schema, m.Training.Rows, m.Training.SHA256)
	}
	for _, f := range m.Features {
		if f.Name == "SEX" || f.Name == "ID" {
			t.Fatalf("%s is excluded or protected but became a feature", f.Name)
		}
		if f.Dimension == "" {
			t.Fatalf("feature %s has no dimension", f.Name)
		}
	}
	back, err := Read(bytes.NewReader(modelJSON(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(modelJSON(t, m), modelJSON(t, back)) {
		t.Fatal("reading and writing the artifact changed it")
	}
	rows, err := m.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range rows {
		if a, b := m.Score(x), back.Score(x); a.Score != b.Score || a.Probability != b.Probability {
			t.Fatalf("row %d: score %d/%v before the round trip, %d/%v after", i+1, a.Score, a.Probability, b.Score, b.Probability)
		}
	}
}

func TestModelBeatsChanceOnHeldOutRows(t *testing.T) {
	for _, kind := range []string{KindAdditive, KindScorecard} {
		cfg := fastConfig()
		cfg.Kind = kind
		m, test := trainTaiwan(t, cfg)
		y, err := ParseLabels(test, taiwanSpec.Label, "")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := m.EncodeTable(test)
		if err != nil {
			t.Fatal(err)
		}
		ev := m.Evaluate(rows, y, EvalOptions{})
		// Taiwan's published models reach AUC 0.77–0.78; a 2,000-row
		// training set should still clear 0.70 comfortably.
		if ev.AUC < 0.70 {
			t.Errorf("%s: held-out AUC %.4f, want ≥ 0.70", kind, ev.AUC)
		}
		// Calibration: the mean prediction matches the observed bad rate.
		var pred, obs float64
		for _, c := range ev.Calibration {
			pred += c.Predicted * float64(c.Rows)
			obs += c.Observed * float64(c.Rows)
		}
		if d := (pred - obs) / float64(ev.Rows); d > 0.03 || d < -0.03 {
			t.Errorf("%s: mean predicted bad rate off the observed by %.4f", kind, d)
		}
	}
}

// manyCopies is a small population with few bads whose forty inputs are
// each a noisy view of the same risk: one boosting round at the full
// learning rate moves all forty at once and overfits.
func manyCopies(rows int, seed uint64) *table.Table {
	rng := rand.New(rand.NewPCG(seed, 5))
	const copies = 40
	t := &table.Table{SHA256: fmt.Sprint("copies-", seed)}
	for k := range copies {
		t.Header = append(t.Header, fmt.Sprintf("x%d", k))
	}
	t.Header = append(t.Header, "bad")
	for range rows {
		risk := rng.NormFloat64()
		row := make([]string, 0, copies+1)
		for range copies {
			row = append(row, fmt.Sprintf("%.2f", risk+rng.NormFloat64()))
		}
		bad := "0"
		if rng.Float64() < 1/(1+math.Exp(-(-5.5+1.5*risk))) {
			bad = "1"
		}
		t.Rows = append(t.Rows, append(row, bad))
	}
	return t
}

// On small data with few bads, where a round at the full learning rate
// already overfits, the main effects are boosted again at a finer rate
// rather than kept at the intercept alone (0 rounds: a constant model).
func TestSmallDataLearnsAtAFinerRate(t *testing.T) {
	for s := uint64(1); s <= 4; s++ {
		d, err := LoadDataset(manyCopies(1500, s), DataSpec{Label: "bad"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Train(d, Config{Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("population %d, %.2f%% bad: rounds kept per bag %v; AUC on fresh data %.4f",
			s, 100*m.Training.BadRate, m.Metrics.Rounds, freshAUC(t, m, manyCopies(20000, s+1000)))
		for b, r := range m.Metrics.Rounds[:m.Params.Bags] {
			if r == 0 {
				t.Errorf("population %d: main-effect bag %d kept 0 rounds (%v)", s, b, m.Metrics.Rounds)
			}
		}
	}
}
