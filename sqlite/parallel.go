package sqlite

import (
	"errors"
	"runtime"
	"sync"
)

// parallelFrom is the batch size from which encoding is split across cores:
// below it, starting goroutines costs more than it saves.
const parallelFrom = 512

// inRanges runs fn over [0, n) cut into one range per core, side by side,
// when n is large enough to pay for it; otherwise over the whole at once.
// The single writer is the bottleneck of every bulk write, so the work that
// needs no lock — encoding, fingerprints — is done this way before it.
func inRanges(n int, fn func(lo, hi int) error) error {
	workers := runtime.GOMAXPROCS(0)
	if n < parallelFrom || workers == 1 {
		return fn(0, n)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = fn(lo, hi)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
