package http

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

// TestGroupCommitGivesEachCallerItsOwnResults sends many overlapping
// batches at once: every caller must get exactly the statuses its own
// events would get if the batches had gone in one after another, and every
// event is stored once.
func TestGroupCommitGivesEachCallerItsOwnResults(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := newGroupCommitter(db.Events(), 50, nil)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const callers, per = 16, 20
	var wg sync.WaitGroup
	results := make([][]sesame.AppendResult, callers)
	errs := make([]error, callers)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var events []sesame.Event
			for i := range per {
				// Callers c and c+1 share half their keys; odd callers send
				// a different body for the shared keys.
				id := fmt.Sprint("e", c/2*per+i)
				events = append(events, ledgertest.NewEvent("bank", id, "p1", sesame.KindPaymentMade, at, c%2*1000+i))
			}
			results[c], errs[c] = g.Append(context.Background(), events)
		}()
	}
	wg.Wait()
	for c := 0; c < callers; c += 2 {
		if errs[c] != nil || errs[c+1] != nil {
			t.Fatal(errs[c], errs[c+1])
		}
		if len(results[c]) != per || len(results[c+1]) != per {
			t.Fatalf("caller %d: %d and %d results, want %d each", c, len(results[c]), len(results[c+1]), per)
		}
		for i := range per {
			a, b := results[c][i].Status, results[c+1][i].Status
			// Whichever came first stored the key; the other conflicts.
			if !(a == sesame.Accepted && b == sesame.Conflict || a == sesame.Conflict && b == sesame.Accepted) {
				t.Fatalf("callers %d and %d, event %d: %s and %s", c, c+1, i, a, b)
			}
		}
	}
	page, err := db.Events().Events(context.Background(), sesame.EventFilter{Person: "p1", Limit: 1000})
	if err != nil || len(page.Events) != callers/2*per {
		t.Fatalf("%d events stored, want %d (%v)", len(page.Events), callers/2*per, err)
	}
}

func TestGroupCommitHonoursTheCallersDeadline(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := newGroupCommitter(db.Events(), 50, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := ledgertest.NewEvent("bank", "x", "p1", sesame.KindPaymentMade, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), 1)
	if _, err := g.Append(ctx, []sesame.Event{e}); err == nil {
		// It may have been taken before the cancel was seen; then it is stored.
		t.Log("appended before the cancellation was noticed")
	}
	// The committer is not stuck: the next append works.
	res, err := g.Append(context.Background(), []sesame.Event{e})
	if err != nil || len(res) != 1 {
		t.Fatalf("%v %v", res, err)
	}
}
