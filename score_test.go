package sesame_test

import (
	"testing"

	"github.com/sesame-credit/sesame"
)

func TestBandBoundaries(t *testing.T) {
	for _, tc := range []struct {
		score int
		band  sesame.Band
	}{
		{-10, sesame.Poor}, {349, sesame.Poor}, {350, sesame.Poor}, {549, sesame.Poor},
		{550, sesame.Fair}, {599, sesame.Fair},
		{600, sesame.Good}, {649, sesame.Good},
		{650, sesame.VeryGood}, {699, sesame.VeryGood},
		{700, sesame.Excellent}, {950, sesame.Excellent}, {951, sesame.Excellent}, {5000, sesame.Excellent},
	} {
		if got := sesame.BandOf(tc.score); got != tc.band {
			t.Errorf("BandOf(%d) = %s, want %s", tc.score, got, tc.band)
		}
	}
	for _, tc := range []struct{ in, want int }{{349, 350}, {350, 350}, {950, 950}, {951, 950}, {600, 600}} {
		if got := sesame.ClampScore(tc.in); got != tc.want {
			t.Errorf("ClampScore(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
	for i, b := range sesame.Bands {
		if sesame.BandMin(b.Band) != b.Min || b.Band.Rank() != i {
			t.Errorf("band %s: min %d rank %d", b.Band, sesame.BandMin(b.Band), b.Band.Rank())
		}
		if i > 0 && sesame.BandOf(b.Min-1) != sesame.Bands[i-1].Band {
			t.Errorf("score %d should be in %s", b.Min-1, sesame.Bands[i-1].Band)
		}
	}
}
