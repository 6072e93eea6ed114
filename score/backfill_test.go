package score_test

import (
	"testing"
	"time"

	"github.com/sesame-credit/sesame/score"
)

func TestMonthEnds(t *testing.T) {
	got := score.MonthEnds(time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC), 3)
	want := []string{"2025-12-31T23:59:59Z", "2026-01-31T23:59:59Z", "2026-02-28T23:59:59Z"}
	if len(got) != len(want) {
		t.Fatalf("%d month ends, want %d", len(got), len(want))
	}
	for i := range want {
		if s := got[i].Format(time.RFC3339); s != want[i] {
			t.Errorf("month end %d = %s, want %s", i, s, want[i])
		}
	}
}
