package sesame

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func randomScore(rng *rand.Rand, text func() string) *Score {
	f := func() float64 {
		switch rng.IntN(6) {
		case 0:
			return 0
		case 1:
			return math.Round(rng.NormFloat64() * 100)
		case 2:
			return rng.NormFloat64() * 1e-8
		case 3:
			return rng.NormFloat64() * 1e22
		default:
			return rng.NormFloat64() * 100
		}
	}
	s := &Score{Person: text(), Status: text(), ModelVersion: text(),
		AsOf: time.Date(1990+rng.IntN(60), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(3)*rng.IntN(1e9), time.FixedZone("", 3600*(rng.IntN(25)-12)))}
	if rng.IntN(4) > 0 {
		s.Score, s.Band = 350+rng.IntN(601), Band(text())
	}
	for range rng.IntN(6) {
		s.Dimensions = append(s.Dimensions, DimensionScore{Dimension: Dimension(text()), Score: rng.IntN(1000) - 50, Points: f()})
	}
	for range rng.IntN(5) {
		s.Reasons = append(s.Reasons, Reason{Code: text(), Feature: text(), Dimension: Dimension(text()), Text: text(), Value: text(), PointsLost: f()})
	}
	for range rng.IntN(4) {
		s.Tips = append(s.Tips, Tip{Feature: text(), Code: text(), Action: text(), Gain: rng.IntN(200) - 20, Target: f(), Goal: text()})
	}
	for range rng.IntN(3) {
		s.Missing = append(s.Missing, text())
	}
	for range rng.IntN(3) {
		s.SelfAdded = append(s.SelfAdded, SelfAdded{ID: text(), Kind: text(), Source: text(), Label: text()})
		s.SelfAddedPoints = rng.IntN(40)
		s.DataAsOf = append(s.DataAsOf, SourceAsOf{Source: text(), AsOf: s.AsOf.Add(-time.Duration(rng.IntN(1e6)) * time.Second), Stale: rng.IntN(2) == 0})
	}
	s.Features = map[string]float64{"x": 1}
	return s
}

// AppendScoreJSON writes byte for byte what encoding/json writes.
func TestAppendScoreJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "p00000007", "Pay <all> & \"more\"", "tab\there", "nl\n", "ctl\x01\x1f", "bad utf8 \xff\xfe", "é中文", "\u2028\u2029", "\\", "", "×"}
	text := func() string {
		s := ""
		for range rng.IntN(4) {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	for i := range 5000 {
		s := randomScore(rng, text)
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendScoreJSON(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("score %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestAppendScoreJSONRefusesWhatJSONCannotCarry(t *testing.T) {
	for _, s := range []*Score{
		{Person: "p", Dimensions: []DimensionScore{{Points: math.NaN()}}},
		{Person: "p", Tips: []Tip{{Target: math.Inf(1)}}},
		{Person: "p", AsOf: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := AppendScoreJSON(nil, s); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}

func TestFeaturesRoundTrip(t *testing.T) {
	in := map[string]float64{"utilisation_now": 0.82, "age_years": 31, "nan": math.NaN(), "neg": -1e-300, "": 7}
	out, err := DecodeFeatures(AppendFeatures(nil, in))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %v", out)
	}
	for k, v := range in {
		if w := out[k]; math.Float64bits(w) != math.Float64bits(v) {
			t.Errorf("%q: %v, want %v", k, w, v)
		}
	}
	if m, err := DecodeFeatures(nil); m != nil || err != nil {
		t.Errorf("empty: %v %v", m, err)
	}
	if m, err := DecodeFeatures(AppendFeatures(nil, nil)); len(m) != 0 || err != nil {
		t.Errorf("none: %v %v", m, err)
	}
}

// DecodeFeatures never panics and never accepts trailing or missing bytes.
func FuzzDecodeFeatures(f *testing.F) {
	f.Add(AppendFeatures(nil, map[string]float64{"a": 1, "bb": 2}))
	f.Add([]byte{1, 200, 1})
	f.Add([]byte{1, 1, 255, 255, 255, 255, 15})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeFeatures(b)
		if err != nil {
			return
		}
		if again, err := DecodeFeatures(AppendFeatures(nil, m)); err != nil || len(again) != len(m) {
			t.Fatalf("re-encoding %v: %v %v", m, again, err)
		}
	})
}

func BenchmarkAppendScoreJSON(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := randomScore(rng, func() string { return "Pay your card balances down to 30% of your limits" })
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = AppendScoreJSON(buf[:0], s)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(s)
		}
	})
}

// FuzzAppendJSONString: the hand-written string encoder (scores, ingestion
// answers) writes byte for byte what encoding/json writes, whatever s holds.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `"quoted" \ back`, "line\nbreak\ttab\x00\x1f", "\u2028\u2029", "日本語", "\xff\xc3(", "<a href='x'>&</a>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
