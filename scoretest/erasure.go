package scoretest

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/ledgertest"
)

// Savers are what a rescore writes: scores (served and shadow) and
// feature states.
type Savers interface {
	SaveScores(context.Context, []*sesame.Score) error
	SaveShadowScores(context.Context, []*sesame.Score) error
	SaveStates(context.Context, []feature.Snapshot) error
}

// ErasedStayOut saves the scores, shadow scores and feature states of an
// erased person and of another, as a rescore that read the erased one's
// events before the erasure would after it; rowsOf(table, person) counts
// a person's rows, which must be none for the erased one, one for the
// other. Scores are saved one alone and then two together, since stores
// may take another way for many.
func ErasedStayOut(t *testing.T, er sesame.Eraser, s Savers, rowsOf func(table, person string) int) {
	ctx := context.Background()
	now := time.Now().UTC()
	if _, err := er.ErasePerson(ctx, "gone", "operator:test", now); err != nil {
		t.Fatal(err)
	}
	for _, people := range [][]string{{"gone"}, {"gone", "here"}} {
		var scores []*sesame.Score
		var snaps []feature.Snapshot
		for _, p := range people {
			scores = append(scores, &sesame.Score{Person: p, Status: sesame.StatusScored, Score: 640, Band: sesame.Good, ModelVersion: "m1", AsOf: now})
			snaps = append(snaps, feature.Snapshot{Person: p, Version: 1, Seq: 1, State: []byte("state")})
		}
		if err := s.SaveScores(ctx, scores); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveShadowScores(ctx, scores); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveStates(ctx, snaps); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"scores", "score_latest", "shadow_scores", "feature_state"} {
		if gone, here := rowsOf(table, "gone"), rowsOf(table, "here"); gone != 0 || here != 1 {
			t.Errorf("%s: %d rows of the erased person, %d of the other (want 0 and 1)", table, gone, here)
		}
	}
}

// ErasureRacingSaves runs two savers of four people's scores and feature
// states while the four are erased one after another
// (ledgertest.RaceErasures), then counts each one's rows with rowsOf.
func ErasureRacingSaves(t *testing.T, er sesame.Eraser, s Savers, rowsOf func(person string) int) {
	ctx := context.Background()
	racers := ledgertest.RaceErasures(t, er, 2, func(_, round int, people []string) error {
		var sc []*sesame.Score
		var sn []feature.Snapshot
		for _, person := range people {
			sc = append(sc, &sesame.Score{Person: person, Status: sesame.StatusScored, Score: 600 + round%50, Band: sesame.Good, ModelVersion: "m1", AsOf: time.Now()})
			sn = append(sn, feature.Snapshot{Person: person, Version: 1, Seq: int64(round), State: []byte("state")})
		}
		if err := s.SaveScores(ctx, sc); err != nil {
			return err
		}
		return s.SaveStates(ctx, sn)
	})
	for _, person := range racers {
		if n := rowsOf(person); n != 0 {
			t.Errorf("%s has %d score or feature-state rows after the erasure", person, n)
		}
	}
}
