package score

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/simulate"
)

// challengerModel is another model of the same catalogue features, weighing
// them differently, so that its scores differ from the champion's.
func challengerModel(t *testing.T) *model.Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(21, 22))
	n := 3000
	dpd, util, months, label := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		dpd[i], util[i], months[i] = float64(rng.IntN(60)), rng.Float64(), float64(rng.IntN(48))
		z := -1.5 + 0.02*dpd[i] + 2.5*util[i] - 0.01*months[i]
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			label[i] = 1
		}
	}
	d := &model.Dataset{Label: label, Columns: []model.Column{
		{Name: "worst_dpd_12m", Type: "numeric", Num: dpd},
		{Name: "utilisation_now", Type: "numeric", Num: util},
		{Name: "months_of_activity", Type: "numeric", Num: months},
	}}
	m, err := model.Train(d, model.Config{Seed: 9, Bags: 2, MaxRounds: 200})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A registered challenger scores everyone in shadow on a rescore and on an
// event's refresh, stored apart: every read a person or partner makes
// (latest score, history) gives the active model's score only.
func TestChallengerScoresInShadowOnly(t *testing.T) {
	ctx := context.Background()
	const people = 120
	clock := time.Now().Add(time.Hour)
	svc, db := simulatedService(t, people, 13, clock)
	svc.Now = func() time.Time { return clock }
	st := db.Scores()
	champ, err := svc.Register(ctx, artifact(t, catalogueModel(t)), "champion")
	if err != nil {
		t.Fatal(err)
	}
	chall, err := svc.Register(ctx, artifact(t, challengerModel(t)), "challenger")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ActivateModel(ctx, champ.Version); err != nil {
		t.Fatal(err)
	}
	if err := st.SetChallenger(ctx, chall.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RescoreAll(ctx, RescoreOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(step string) {
		t.Helper()
		differ := 0
		for i := range people {
			p := simulate.PersonID(i)
			served, err := svc.LatestScore(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if served.ModelVersion != champ.Version {
				t.Fatalf("%s: %s's served score is from %s, not the active %s", step, p, served.ModelVersion, champ.Version)
			}
			hist, err := svc.History(ctx, p, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hist {
				if h.ModelVersion != champ.Version {
					t.Fatalf("%s: %s's history holds a %s score", step, p, h.ModelVersion)
				}
			}
			shadow, err := st.ShadowScore(ctx, p, chall.Version)
			if err != nil {
				t.Fatalf("%s: %s has no shadow score: %v", step, p, err)
			}
			if shadow.Status != served.Status || !shadow.AsOf.Equal(served.AsOf) {
				t.Fatalf("%s: %s shadow %+v against served %+v", step, p, shadow, served)
			}
			if shadow.Score != served.Score {
				differ++
			}
		}
		if differ == 0 {
			t.Fatalf("%s: the challenger scored every person as the champion did: the test shows nothing", step)
		}
	}
	check("rescore")
	// An event refreshes its person under both models.
	clock = clock.Add(24 * time.Hour)
	before, _ := st.ShadowScore(ctx, simulate.PersonID(0), chall.Version)
	if err := svc.Refresh(ctx, simulate.PersonID(0)); err != nil {
		t.Fatal(err)
	}
	after, _ := st.ShadowScore(ctx, simulate.PersonID(0), chall.Version)
	if !after.AsOf.After(before.AsOf) {
		t.Fatalf("refresh left the shadow score as of %s", after.AsOf)
	}
	check("refresh")
}
