package model

import (
	"sync"
	"sync/atomic"
)

// parallel runs fn(0..n-1) on at most workers goroutines. Callers write each
// result into its own slot and reduce in index order afterwards, so the
// outcome never depends on scheduling.
func parallel(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// progressReporter serialises calls to a Progress callback.
type progressReporter struct {
	mu sync.Mutex
	fn func(Progress)
}

func (r *progressReporter) report(stage string, done, total int) {
	if r == nil || r.fn == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fn(Progress{Stage: stage, Done: done, Total: total})
}
