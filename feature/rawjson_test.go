package feature

import (
	"encoding/json"
	"testing"

	"github.com/sesame-credit/sesame/simulate"
)

// TestApplyJSONEqualsApply: the bulk path (stored JSON) and the typed path
// give the same features for every simulated person, every kind included.
func TestApplyJSONEqualsApply(t *testing.T) {
	g := simulate.New(simulate.Options{Seed: 23})
	typed, raw := NewState(), NewState()
	asOf := simulate.DefaultEnd
	kinds := map[string]bool{}
	for i := 0; i < 3000; i++ {
		typed.Reset()
		raw.Reset()
		for _, e := range g.Person(i) {
			typed.Apply(&e)
			payload, err := json.Marshal(e.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if err := raw.ApplyJSON([]byte(e.Source), []byte(e.Kind), e.OccurredAt.UnixNano(), payload); err != nil {
				t.Fatalf("person %d %s: %v in %s", i, e.Kind, err, payload)
			}
			kinds[string(e.Kind)] = true
		}
		a, b := typed.Features(asOf), raw.Features(asOf)
		for j := range a {
			if !same(a[j], b[j]) {
				t.Fatalf("person %d: %s typed %v, from JSON %v", i, names[j], a[j], b[j])
			}
		}
	}
	if len(kinds) < 25 {
		t.Errorf("only %d kinds exercised", len(kinds))
	}
}

func TestApplyJSONRejectsBadInput(t *testing.T) {
	s := NewState()
	for _, p := range []string{``, `[`, `{"account":`, `{"account":"a","limit":{"amount":x}}`, `{"due_at":"2025-13-01T00:00:00Z"}`, `{"due_at":"yesterday"}`, `nul`, `{"a":[1,{"b":}`} {
		if err := s.ApplyJSON(nil, []byte("statement.issued"), 0, []byte(p)); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
	if s.Events() != 0 {
		t.Error("a rejected payload changed the state")
	}
	if err := s.ApplyJSON(nil, []byte("no.such_kind"), 0, []byte(`{}`)); err != nil || s.Events() != 0 {
		t.Error("unknown kinds are ignored")
	}
}

func FuzzApplyJSON(f *testing.F) {
	f.Add([]byte("statement.issued"), []byte(`{"account":"c","balance":{"amount":100,"currency":"CNY"},"minimum_due":{"amount":10,"currency":"CNY"},"due_at":"2025-01-01T00:00:00+08:00"}`))
	f.Add([]byte("identity.reported"), []byte(`{"birth_year":1990,"protected":{"sex":"f"},"employed_since":"2020-01-01T00:00:00.5Z"}`))
	f.Fuzz(func(t *testing.T, kind, payload []byte) {
		s := NewState()
		_ = s.ApplyJSON(nil, kind, 1e18, payload)
		_ = s.Features(simulate.DefaultEnd)
	})
}
