package portal

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// sliceEvents pages a fixed ledger oldest first, 7 events a page whatever
// the limit, so that reading through pages is exercised.
type sliceEvents []sesame.Event

func (s sliceEvents) Events(_ context.Context, f sesame.EventFilter) (sesame.EventPage, error) {
	start, _ := strconv.Atoi(f.Cursor)
	var out []sesame.Event
	for i := start; i < len(s); i++ {
		if !f.To.IsZero() && !s[i].OccurredAt.Before(f.To) {
			continue
		}
		if len(out) == 7 {
			return sesame.EventPage{Events: out, Next: strconv.Itoa(i)}, nil
		}
		out = append(out, s[i])
	}
	return sesame.EventPage{Events: out}, nil
}

func TestNewestEventsPages(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ledger sliceEvents
	for i := range 130 {
		// Pairs of events share an instant, so that a page can end inside one.
		ledger = append(ledger, sesame.Event{Source: "s", ID: fmt.Sprintf("e%03d", i), Person: "p", OccurredAt: t0.Add(time.Duration(i/2) * time.Hour)})
	}
	p := &Portal{cfg: Config{Events: ledger}}
	ctx := context.Background()
	var seen []string
	var before *eventPos
	for range 5 {
		page, more, err := p.newestEvents(ctx, sesame.EventFilter{Person: "p"}, before)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			seen = append(seen, e.ID)
		}
		if !more {
			break
		}
		pos, err := parseBefore(beforeOf(page[len(page)-1]))
		if err != nil {
			t.Fatal(err)
		}
		before = pos
	}
	if len(seen) != 130 {
		t.Fatalf("paging listed %d events, want 130", len(seen))
	}
	for i, id := range seen {
		if want := fmt.Sprintf("e%03d", 129-i); id != want {
			t.Fatalf("event %d is %s, want %s (newest first, none twice)", i, id, want)
		}
	}

	// The cursor's event erased in between: its instant is dropped, nothing shown twice.
	gone := append(sliceEvents{}, ledger[:79]...)
	gone = append(gone, ledger[80:]...)
	p.cfg.Events = gone
	page, _, err := p.newestEvents(ctx, sesame.EventFilter{Person: "p"}, &eventPos{at: ledger[79].OccurredAt.UnixNano(), source: "s", id: "e079"})
	if err != nil {
		t.Fatal(err)
	}
	if page[0].ID != "e077" {
		t.Errorf("after an erased cursor event the page starts at %s, want e077", page[0].ID)
	}
	if _, err := parseBefore("12~s"); err == nil {
		t.Error("a position without an id parses")
	}
}
