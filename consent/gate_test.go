package consent_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/consent"
)

// gateLog is an access log whose appends fail with err (nil: succeed),
// after waiting for release when it is set.
type gateLog struct {
	sesame.AccessLog
	err     error
	release chan struct{}
	entries []*sesame.AccessEntry
}

func (l *gateLog) AppendAccess(ctx context.Context, e *sesame.AccessEntry) error {
	if l.release != nil {
		<-l.release
	}
	l.entries = append(l.entries, e)
	return l.err
}

// gateScores counts its lookups and closes looked when the first is done.
type gateScores struct {
	n      atomic.Int64
	looked chan struct{}
}

func (s *gateScores) LatestScore(ctx context.Context, person string) (*sesame.Score, error) {
	if s.n.Add(1) == 1 && s.looked != nil {
		close(s.looked)
	}
	return &sesame.Score{Person: person, Status: sesame.StatusScored, Score: 700}, nil
}

// TestGateScoreAnswersOnlyLoggedReads: Gate.Score looks the score up
// while the access entry is written, but returns it only once the entry
// is written; a read whose entry fails is not answered, and a denied read
// looks nothing up.
func TestGateScoreAnswersOnlyLoggedReads(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s := newService(t, &now)
	if _, err := s.Grant(ctx, "p1", "acme", sesame.PurposeLoan, sesame.ScopeScore, now.Add(24*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	rd := consent.Read{Partner: "acme", Person: "p1", Scope: sesame.ScopeScore, Action: consent.ActionScoreRead, Note: "score"}

	// The lookup runs while the entry is still being written.
	log := &gateLog{release: make(chan struct{})}
	scores := &gateScores{looked: make(chan struct{})}
	g := &consent.Gate{Consents: s, Scores: scores, Audit: &audit.Recorder{Log: log, Now: func() time.Time { return now }}}
	go func() { <-scores.looked; close(log.release) }()
	sc, c, err := g.Score(ctx, rd)
	if err != nil || sc.Score != 700 || c == nil || len(log.entries) != 1 || log.entries[0].Outcome != sesame.AccessAllowed {
		t.Fatalf("allowed read: %+v, %+v, %v, entries %d", sc, c, err, len(log.entries))
	}

	// An entry that cannot be written: no answer, whatever was looked up.
	log = &gateLog{err: errors.New("disk gone")}
	g.Audit = &audit.Recorder{Log: log}
	if sc, c, err := g.Score(ctx, rd); err == nil || sc != nil || c != nil {
		t.Fatalf("read whose entry failed: %+v, %+v, %v", sc, c, err)
	}

	// A denied read is logged and looks nothing up.
	scores = &gateScores{}
	log = &gateLog{}
	g = &consent.Gate{Consents: s, Scores: scores, Audit: &audit.Recorder{Log: log}}
	rd.Partner = "nobody"
	if _, _, err := g.Score(ctx, rd); sesame.ErrorCode(err) != sesame.EFORBIDDEN {
		t.Fatalf("denied read: %v", err)
	}
	if scores.n.Load() != 0 || len(log.entries) != 1 || log.entries[0].Outcome != sesame.AccessDenied {
		t.Fatalf("denied read: %d lookups, entries %+v", scores.n.Load(), log.entries)
	}
}
