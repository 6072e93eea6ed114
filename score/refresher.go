package score

import (
	"context"
	"sync"
	"time"
)

// Refresher rescores people soon after their events arrive. Events for one
// person often come in bursts (a statement and its repayment, a batch from a
// source), so it gathers the people touched during a short window and
// rescores each once: a person's score reflects an ingested event within
// about Debounce plus the time to score them.
type Refresher struct {
	Service  *Service
	Debounce time.Duration // default 200ms

	mu      sync.Mutex
	pending map[string]time.Time // person → first notified in this window
	wake    chan struct{}
}

// Notify marks people whose events changed. It never blocks on scoring.
func (r *Refresher) Notify(people ...string) {
	r.mu.Lock()
	if r.pending == nil {
		r.pending = map[string]time.Time{}
	}
	now := time.Now()
	for _, p := range people {
		if _, ok := r.pending[p]; !ok {
			r.pending[p] = now
		}
	}
	r.mu.Unlock()
	select {
	case r.wakeChan() <- struct{}{}:
	default:
	}
}

func (r *Refresher) wakeChan() chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wake == nil {
		r.wake = make(chan struct{}, 1)
	}
	return r.wake
}

// Run rescores notified people until ctx ends.
func (r *Refresher) Run(ctx context.Context) {
	debounce := r.Debounce
	if debounce <= 0 {
		debounce = 200 * time.Millisecond
	}
	wake := r.wakeChan()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
		// Let the burst finish before scoring.
		select {
		case <-ctx.Done():
			return
		case <-time.After(debounce):
		}
		r.mu.Lock()
		batch := r.pending
		r.pending = nil
		r.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		people := make([]string, 0, len(batch))
		oldest := time.Now()
		for p, t := range batch {
			people = append(people, p)
			if t.Before(oldest) {
				oldest = t
			}
		}
		for i := 0; i < len(people); i += rescoreChunk {
			part := people[i:min(i+rescoreChunk, len(people))]
			if err := r.Service.Refresh(ctx, part...); err != nil {
				r.Service.log().Error("rescore after events failed", "people", len(part), "err", err)
			}
		}
		if r.Service.Metrics != nil {
			r.Service.Metrics.RescoreLag(time.Since(oldest))
		}
	}
}
