package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

// TestWALSyncWaitsForASyncBegunAfterTheCall: a caller of Sync may share a
// sync with others but never return on one that began before it called,
// which could have missed its commit.
func TestWALSyncWaitsForASyncBegunAfterTheCall(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := db.accessSync
	const callers, each = 16, 50
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				begun, _ := s.Flushes()
				if err := s.Sync(); err != nil {
					t.Error(err)
					return
				}
				_, done := s.Flushes()
				if done <= begun {
					t.Errorf("Sync returned with syncs done %d, but %d had begun before it was called", done, begun)
					return
				}
			}
		}()
	}
	wg.Wait()
	_, done := s.Flushes()
	t.Logf("%d calls, %d syncs of the WAL", callers*each, done)
	if done > callers*each+1 {
		t.Errorf("%d syncs for %d calls", done, callers*each)
	}
}
