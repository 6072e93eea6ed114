// Package dispute runs people's disputes of their records to their end: a
// person opens one (with a reason and optional evidence), the source that
// sent the record answers verified, corrected or deleted, and a dispute
// still unanswered at its deadline takes the record out of scoring. Every
// change that makes a record stop counting rescores the person at once.
package dispute

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// Rescorer recomputes and stores people's scores (score.Service).
type Rescorer interface {
	Refresh(ctx context.Context, people ...string) error
}

// Service is the dispute workflow over a DisputeStore. Now is the clock
// (time.Now by default): the deadline is enforced against it, so tests
// move it instead of waiting thirty days.
type Service struct {
	Store  sesame.DisputeStore
	Scores Rescorer // may be nil: nothing is rescored
	// Audit, when set, receives every step (opened, evidence added,
	// answered, suppressed at the deadline) as an entry of the person's
	// tamper-evident access log, written before the step is answered.
	Audit Auditor
	Now   func() time.Time
	Log   *slog.Logger
}

// Auditor writes an entry to the access log (audit.Recorder).
type Auditor interface {
	Record(ctx context.Context, e *sesame.AccessEntry) error
}

// step writes one step of d to the access log: the actor who took it and
// what it was, with the record it is about.
func (s *Service) step(ctx context.Context, d sesame.Dispute, actor, action string) error {
	if s.Audit == nil {
		return nil
	}
	return s.Audit.Record(ctx, &sesame.AccessEntry{Person: d.Person, Actor: actor, Action: action, Outcome: "allowed",
		Reason: fmt.Sprintf("%s/%s %s", d.Source, d.EventID, d.Status)})
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// MaxText bounds a reason, evidence or note.
const MaxText = 4000

func checkText(field, v string, required bool) error {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		return sesame.Errorf(sesame.EINVALID, "%s is required: say what is wrong with the record", field)
	case len(v) > MaxText:
		return sesame.Errorf(sesame.EINVALID, "%s is longer than %d bytes", field, MaxText)
	}
	return nil
}

// Open opens a dispute of the person's record.
func (s *Service) Open(ctx context.Context, person string, key sesame.EventKey, reason, evidence string) (sesame.Dispute, error) {
	if !sesame.ValidID(key.Source) || !sesame.ValidID(key.ID) {
		return sesame.Dispute{}, sesame.Errorf(sesame.EINVALID, "source and event_id must name one of your records")
	}
	if err := checkText("reason", reason, true); err != nil {
		return sesame.Dispute{}, err
	}
	if err := checkText("evidence", evidence, false); err != nil {
		return sesame.Dispute{}, err
	}
	d, err := s.Store.OpenDispute(ctx, person, key, strings.TrimSpace(reason), strings.TrimSpace(evidence), s.now())
	if err != nil {
		return d, err
	}
	return d, s.step(ctx, d, "person", "dispute.open")
}

// AddEvidence adds the person's information to their open dispute, which
// gives the source until 45 days after the opening.
func (s *Service) AddEvidence(ctx context.Context, person string, key sesame.EventKey, evidence string) (sesame.Dispute, error) {
	if err := checkText("evidence", evidence, true); err != nil {
		return sesame.Dispute{}, err
	}
	d, err := s.Store.AddEvidence(ctx, person, key, strings.TrimSpace(evidence), s.now())
	if err != nil {
		return d, err
	}
	return d, s.step(ctx, d, "person", "dispute.evidence")
}

// Answer records the source's answer and rescores the person when the
// record stops counting. A corrected record's correction is a new event
// the source sends to the ledger as usual.
func (s *Service) Answer(ctx context.Context, key sesame.EventKey, answer sesame.DisputeStatus, note string) (sesame.Dispute, error) {
	if !answer.ValidAnswer() {
		return sesame.Dispute{}, sesame.Errorf(sesame.EINVALID, "answer must be verified, corrected or deleted")
	}
	if err := checkText("note", note, false); err != nil {
		return sesame.Dispute{}, err
	}
	d, err := s.Store.AnswerDispute(ctx, key, answer, strings.TrimSpace(note), s.now())
	if err != nil {
		return d, err
	}
	if err := s.step(ctx, d, "source:"+key.Source, "dispute.answer"); err != nil {
		return d, err
	}
	if !d.Counts() {
		err = s.rescore(ctx, d.Person)
	}
	return d, err
}

// Expire enforces the deadline: every dispute still open at it is
// suppressed, and its person rescored without the record.
func (s *Service) Expire(ctx context.Context) ([]sesame.Dispute, error) {
	expired, err := s.Store.ExpireDisputes(ctx, s.now())
	if err != nil || len(expired) == 0 {
		return expired, err
	}
	people := make([]string, 0, len(expired))
	for _, d := range expired {
		if err := s.step(ctx, d, "sesame:deadline", "dispute.suppress"); err != nil {
			return expired, err
		}
		people = append(people, d.Person)
	}
	return expired, s.rescore(ctx, people...)
}

func (s *Service) rescore(ctx context.Context, people ...string) error {
	if s.Scores == nil {
		return nil
	}
	return s.Scores.Refresh(ctx, people...)
}

// Run enforces deadlines every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if expired, err := s.Expire(ctx); err != nil {
			s.log().Error("disputes: enforcing deadlines", "err", err)
		} else if len(expired) > 0 {
			s.log().Info("disputes: unanswered at their deadline, records suppressed", "count", len(expired))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
