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

// parallelSteps advances n jobs, each a series of steps, on at most workers
// goroutines: a worker takes the job that has waited longest, runs one step
// of it with its own worker index (for scratch memory), and queues it again
// until step reports it done. Jobs of unequal length then share the workers
// to the end instead of leaving the longest to one of them. A job's steps
// run one at a time and in order, so its outcome never depends on
// scheduling.
func parallelSteps(n, workers int, step func(worker, job int) (done bool)) {
	queue := make(chan int, n)
	for j := range n {
		queue <- j
	}
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	for w := range min(workers, n) {
		wg.Go(func() {
			for j := range queue {
				if !step(w, j) {
					queue <- j
				} else if left.Add(-1) == 0 {
					close(queue)
				}
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
