package scoretest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
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
// states while the four are erased one after another, then counts each
// one's rows with rowsOf.
func ErasureRacingSaves(t *testing.T, er sesame.Eraser, s Savers, rowsOf func(person string) int) {
	ctx := context.Background()
	const people = 4
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; ; round++ {
				var sc []*sesame.Score
				var sn []feature.Snapshot
				for p := 0; p < people; p++ {
					person := fmt.Sprintf("racer%d", p)
					sc = append(sc, &sesame.Score{Person: person, Status: sesame.StatusScored, Score: 600 + round%50, Band: sesame.Good, ModelVersion: "m1", AsOf: time.Now()})
					sn = append(sn, feature.Snapshot{Person: person, Version: 1, Seq: int64(round), State: []byte("state")})
				}
				if err := s.SaveScores(ctx, sc); err != nil {
					t.Errorf("saver %d: %v", w, err)
					return
				}
				if err := s.SaveStates(ctx, sn); err != nil {
					t.Errorf("saver %d: %v", w, err)
					return
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
	}
	for p := 0; p < people; p++ {
		time.Sleep(20 * time.Millisecond)
		if _, err := er.ErasePerson(ctx, fmt.Sprintf("racer%d", p), "operator:test", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	for p := 0; p < people; p++ {
		if n := rowsOf(fmt.Sprintf("racer%d", p)); n != 0 {
			t.Errorf("racer%d has %d score or feature-state rows after the erasure", p, n)
		}
	}
}
