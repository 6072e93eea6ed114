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

// ErasureRacingSaves runs two savers of four people's scores and feature
// states while the four are erased one after another, then counts each
// one's rows with rowsOf.
func ErasureRacingSaves(t *testing.T, er sesame.Eraser, scores interface {
	SaveScores(context.Context, []*sesame.Score) error
}, states interface {
	SaveStates(context.Context, []feature.Snapshot) error
}, rowsOf func(person string) int) {
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
				if err := scores.SaveScores(ctx, sc); err != nil {
					t.Errorf("saver %d: %v", w, err)
					return
				}
				if err := states.SaveStates(ctx, sn); err != nil {
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
