package http

import (
	"context"
	"encoding/json"
	"testing"
)

// jsonStore offers the latest score as JSON, as a store may
// (ScoreJSONReader); the handler serves those bytes as they are.
type jsonStore struct {
	countingStore
	served int
}

func (s *jsonStore) LatestScoreJSON(ctx context.Context, person string) ([]byte, error) {
	sc, err := s.LatestScore(ctx, person)
	if err != nil {
		return nil, err
	}
	s.served++
	return json.Marshal(sc)
}

// TestPersonScoreServedAsStored: with a store offering JSON, the answer
// is the same as the decoded score's, after the same checks and logging.
func TestPersonScoreServedAsStored(t *testing.T) {
	ts := newTrustServer(t, false)
	ts.score("p-a", 700)
	decoded := ts.do("GET", "/v1/people/p-a/score", testOperator, "")
	js := &jsonStore{countingStore: ts.srv.Scores.Scores.(countingStore)}
	ts.srv.Scores.Scores = js
	raw := ts.do("GET", "/v1/people/p-a/score", testOperator, "")
	if js.served != 1 || raw.status != 200 || raw.body != decoded.body || raw.header.Get("Content-Type") != "application/json" {
		t.Fatalf("served %d times: %d %s, want %s", js.served, raw.status, raw.body, decoded.body)
	}
	if n := len(accessEntries(t, ts, "p-a")); n != 2 {
		t.Errorf("%d access entries, want 2 (one per operator read)", n)
	}
	if a := ts.do("GET", "/v1/people/p-none/score", testOperator, ""); a.status != 404 {
		t.Errorf("no score: %d %s", a.status, a.body)
	}
	if a := ts.do("GET", "/v1/people/p-a/score", "", ""); a.status != 401 || js.served != 1 {
		t.Errorf("no credentials: %d, served %d", a.status, js.served)
	}
}
