package score

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/sesame-credit/sesame"
)

// MonthEnds returns the ends of the n whole months before now's month,
// oldest first: each month's last second (UTC), so that a score as of it
// belongs to that month.
func MonthEnds(now time.Time, n int) []time.Time {
	now = now.UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	out := make([]time.Time, n)
	for i := range n {
		out[i] = first.AddDate(0, i-n+1, 0).Add(-time.Second)
	}
	return out
}

// Backfill scores each of people as of each of the month ends (oldest
// first) with the active model and stores the scores in that order, so
// that a store that orders history by arrival lists them oldest to newest.
// The ledger is cut at each month end by when events occurred: a fact
// recorded later than it happened (a simulation writes everything at once)
// counts from when it happened, as if its source had reported on time.
//
// It is for filling the history of a new deployment (the demo): run it
// before the rescore that stores today's scores, since each saved score
// also becomes the person's latest.
func (s *Service) Backfill(ctx context.Context, people []string, monthEnds []time.Time) (int, error) {
	e, err := s.Engine(ctx)
	if err != nil {
		return 0, err
	}
	if err := s.loadCoverage(ctx); err != nil {
		return 0, err
	}
	now := s.now()
	// byMonth[m][i] is person i's score at month end m; people are scored
	// in parallel, each reading their events once.
	byMonth := make([][]*sesame.Score, len(monthEnds))
	for m := range byMonth {
		byMonth[m] = make([]*sesame.Score, len(people))
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var cut []sesame.Event
			for i := range next {
				events, err := s.PersonEvents(ctx, people[i], now)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					continue
				}
				for m, end := range monthEnds {
					cut = cut[:0]
					for _, ev := range events {
						if ev.OccurredAt.Before(end) {
							ev.RecordedAt = time.Time{}
							cut = append(cut, ev)
						}
					}
					byMonth[m][i] = e.ScoreProfile(people[i], s.Profiler.Profile(cut, end), end)
				}
			}
		}()
	}
	for i := range people {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, scores := range byMonth {
		if err := s.Scores.SaveScores(ctx, scores); err != nil {
			return n, err
		}
		n += len(scores)
	}
	return n, nil
}
