package audit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// TestGroupCommitWithSyncAnswersOnlyAfterASyncThatFollowsTheCommit runs
// many appends through a group commit whose Write only commits and whose
// Sync makes the commits durable, as SQLite's access log does. Every caller
// must return only after a sync that began once its group had committed;
// groups must be written one at a time, in the order their entries came.
func TestGroupCommitWithSyncAnswersOnlyAfterASyncThatFollowsTheCommit(t *testing.T) {
	var (
		mu        sync.Mutex
		committed = map[*sesame.AccessEntry]int{} // entry → the commit's number
		commits   int
		syncedTo  int // every commit up to this one is durable
		writing   atomic.Int32
		lastSeq   int64
		errs      []string
	)
	g := &GroupCommit{Depth: 4}
	g.Write = func(ctx context.Context, entries []*sesame.AccessEntry) error {
		if writing.Add(1) != 1 {
			t.Error("two groups were written at once")
		}
		defer writing.Add(-1)
		time.Sleep(50 * time.Microsecond)
		mu.Lock()
		defer mu.Unlock()
		commits++
		for _, e := range entries {
			lastSeq++
			e.Seq = lastSeq
			committed[e] = commits
		}
		return nil
	}
	g.Sync = func(ctx context.Context) error {
		mu.Lock()
		upTo := commits // a sync covers what committed before it began
		mu.Unlock()
		time.Sleep(300 * time.Microsecond)
		mu.Lock()
		syncedTo = max(syncedTo, upTo)
		mu.Unlock()
		return nil
	}
	var wg sync.WaitGroup
	order := make(chan *sesame.AccessEntry, 4000)
	for c := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				e := &sesame.AccessEntry{Person: fmt.Sprintf("p%d-%d", c, i)}
				if err := g.Append(context.Background(), e); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if n, ok := committed[e]; !ok || n > syncedTo {
					errs = append(errs, fmt.Sprintf("%s answered at commit %d with the disk synced to %d", e.Person, n, syncedTo))
				}
				mu.Unlock()
				order <- e
			}
		}()
	}
	wg.Wait()
	close(order)
	for _, e := range errs[:min(len(errs), 5)] {
		t.Error(e)
	}
	// Each caller appends one entry after another: its entries' seqs rise.
	last := map[string]int64{}
	n := 0
	for e := range order {
		n++
		var c, i int
		fmt.Sscanf(e.Person, "p%d-%d", &c, &i)
		key := fmt.Sprint(c)
		if e.Seq <= last[key] {
			t.Errorf("%s got seq %d after %d", e.Person, e.Seq, last[key])
		}
		last[key] = e.Seq
	}
	if n != 3200 || lastSeq != 3200 {
		t.Fatalf("%d answered, %d written; want 3200 each", n, lastSeq)
	}
	t.Logf("3200 appends in %d commits", commits)
}

// TestGroupCommitWithSyncFailsTheGroupWhoseSyncFailed: a commit whose sync
// failed is not durable, so its callers must get the error.
func TestGroupCommitWithSyncFailsTheGroupWhoseSyncFailed(t *testing.T) {
	g := &GroupCommit{Depth: 2,
		Write: func(context.Context, []*sesame.AccessEntry) error { return nil },
		Sync:  func(context.Context) error { return fmt.Errorf("disk gone") },
	}
	if err := g.Append(context.Background(), &sesame.AccessEntry{Person: "p"}); err == nil || err.Error() != "disk gone" {
		t.Fatalf("Append = %v, want the sync's error", err)
	}
}
