package ledgertest

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// RunWatermarks holds a WatermarkStore to its contract: a watermark is
// kept per source, moves only forward, and reads back as set.
func RunWatermarks(t *testing.T, open func(t *testing.T) sesame.WatermarkStore) {
	ctx := context.Background()
	s := open(t)
	if ws, err := s.Watermarks(ctx); err != nil || len(ws) != 0 {
		t.Fatalf("empty store: %v, %v", ws, err)
	}
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	dec := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, step := range []struct {
		source string
		to     time.Time
		want   time.Time
	}{
		{"bank", nov, nov},
		{"bank", dec, dec},
		{"bank", nov, dec}, // a late or retried message never moves it back
		{"utility", nov, nov},
	} {
		w, err := s.SetWatermark(ctx, step.source, step.to)
		if err != nil {
			t.Fatal(err)
		}
		if w.Source != step.source || !w.CompleteTo.Equal(step.want) || w.UpdatedAt.IsZero() {
			t.Fatalf("SetWatermark(%s, %s) = %+v, want complete_to %s", step.source, step.to, w, step.want)
		}
	}
	ws, err := s.Watermarks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || ws[0].Source != "bank" || !ws[0].CompleteTo.Equal(dec) || ws[1].Source != "utility" || !ws[1].CompleteTo.Equal(nov) {
		t.Fatalf("Watermarks = %+v", ws)
	}
}
