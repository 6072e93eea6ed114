package simulate

import (
	"reflect"
	"testing"
	"time"
)

func TestDeterministicValidAndRich(t *testing.T) {
	a, b := New(Options{Seed: 7}), New(Options{Seed: 7})
	kinds := map[string]int{}
	total := 0
	now := time.Now()
	for i := 0; i < 2000; i++ {
		ea := a.Person(i)
		eb := b.Person(i)
		if !reflect.DeepEqual(ea, eb) {
			t.Fatalf("person %d differs between two generators with the same seed", i)
		}
		for j := range ea {
			if err := ea[j].Validate(now); err != nil {
				t.Fatalf("person %d event %d (%s): %v", i, j, ea[j].Kind, err)
			}
			if j > 0 && ea[j].OccurredAt.Before(ea[j-1].OccurredAt) {
				t.Fatalf("person %d: events out of order", i)
			}
			kinds[string(ea[j].Kind)]++
		}
		total += len(ea)
	}
	if len(kinds) < 25 {
		t.Errorf("only %d kinds of events generated: %v", len(kinds), kinds)
	}
	avg := float64(total) / 2000
	if avg < 35 || avg > 70 {
		t.Errorf("%.1f events per person; want about 50", avg)
	}
	t.Logf("%.1f events per person; kinds: %v", avg, kinds)
	if reflect.DeepEqual(New(Options{Seed: 8}).Person(3), New(Options{Seed: 7}).Person(3)) {
		t.Error("different seeds gave the same person")
	}
}
