package portal

import (
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

func TestMonthlyKeepsEachMonthsLast(t *testing.T) {
	t0 := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	var h []sesame.ScorePoint // newest first, as the store gives it
	for m := range 30 {
		for d := range 3 { // three rescores a month, the last one counts
			h = append([]sesame.ScorePoint{{Status: sesame.StatusScored, Score: 600 + m*3 + d, AsOf: t0.AddDate(0, m, d)}}, h...)
		}
	}
	h = append([]sesame.ScorePoint{{Status: sesame.StatusInsufficientHistory, AsOf: t0.AddDate(0, 30, 0)}}, h...)
	got := monthly(h)
	if len(got) != chartMonths {
		t.Fatalf("%d points, want the last %d months", len(got), chartMonths)
	}
	for i, p := range got {
		m := 30 - chartMonths + i
		if want := 600 + m*3 + 2; p.Score != want {
			t.Errorf("month %d shows %d, want its last score %d", m, p.Score, want)
		}
	}
}
