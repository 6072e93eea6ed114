package consent

import (
	"context"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// Gate is the one door to a person's score for anyone but the person: it
// decides on the consents and writes the access entry (allowed or
// denied); a score it returns was read only after the consents allowed it
// and is returned only once its entry is committed and synced. A read
// that cannot be logged is not answered.
type Gate struct {
	Consents *Service
	Scores   sesame.ScoreReader
	Audit    *audit.Recorder
}

// Read describes one attempt.
type Read struct {
	Partner string
	Person  string
	Scope   sesame.Scope
	Purpose sesame.Purpose // "" when any purpose may be used
	// Threshold is what a threshold check asks about (0 otherwise).
	Threshold int
	Action    string // score.read, threshold.check, decision.create, …
	Note      string // what was asked, for the person to read (never the answer)
}

// Actions recorded in the access log.
const (
	ActionScoreRead      = "score.read"
	ActionThresholdCheck = "threshold.check"
	ActionDecisionCreate = "decision.create"
	ActionDecisionRead   = "decision.read"
	ActionOperatorRead   = "operator.read"
)

// Allow checks consent and logs the attempt without reading anything; the
// caller reads only when it returns nil.
func (g *Gate) Allow(ctx context.Context, rd Read) (*sesame.Consent, error) {
	v, e, err := g.check(ctx, rd)
	if err != nil {
		return nil, err
	}
	if err := g.Audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return allowed(v, rd)
}

// check decides on the consents and returns the access entry that records
// the verdict.
func (g *Gate) check(ctx context.Context, rd Read) (Verdict, *sesame.AccessEntry, error) {
	v, err := g.Consents.Check(ctx, Need{Person: rd.Person, Partner: rd.Partner, Scope: rd.Scope, Purpose: rd.Purpose, Threshold: rd.Threshold})
	if err != nil {
		return Verdict{}, nil, err
	}
	e := &sesame.AccessEntry{Person: rd.Person, Actor: "partner:" + rd.Partner, Action: rd.Action, Scope: rd.Scope, Purpose: rd.Purpose}
	if v.Allowed {
		e.Outcome, e.Consent, e.Purpose, e.Reason = sesame.AccessAllowed, v.Consent.ID, v.Consent.Purpose, rd.Note
	} else {
		e.Outcome, e.Reason = sesame.AccessDenied, v.Reason
		if v.Reason == ReasonThreshold {
			// The person sees which score was probed, to spot a partner bisecting.
			e.Reason += ": " + rd.Note
		}
	}
	return v, e, nil
}

// allowed is the verdict's consent, or the refusal a denied read answers.
func allowed(v Verdict, rd Read) (*sesame.Consent, error) {
	if !v.Allowed {
		return nil, sesame.Errorf(sesame.EFORBIDDEN, "%s (%s, scope %s needed)", v.Reason, rd.Action, rd.Scope)
	}
	return v.Consent, nil
}

// Score is Allow and the read of the latest score. A person without a
// score comes back as an insufficient-history score, not an error, so that
// partners cannot tell "unknown" from "thin file" by the error shape.
//
// Once the consents allow the read, the score is read while the access
// entry is being written: a logged read then waits for the entry's commit
// and WAL flush, not for that and the read one after the other. The score
// is returned only once the entry is committed and synced; if the entry
// cannot be written, the score read is dropped and the read fails, as if
// it had never been read. A denied read reads nothing.
func (g *Gate) Score(ctx context.Context, rd Read) (*sesame.Score, *sesame.Consent, error) {
	v, e, err := g.check(ctx, rd)
	if err != nil {
		return nil, nil, err
	}
	if !v.Allowed {
		if err := g.Audit.Record(ctx, e); err != nil {
			return nil, nil, err
		}
		_, err := allowed(v, rd)
		return nil, nil, err
	}
	var s *sesame.Score
	err = g.whileRecorded(ctx, e, func(ctx context.Context) (err error) {
		s, err = g.Scores.LatestScore(ctx, rd.Person)
		return err
	})
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		return &sesame.Score{Person: rd.Person, Status: sesame.StatusInsufficientHistory}, v.Consent, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return s, v.Consent, nil
}

// whileRecorded runs read while e is written to the access log and returns
// once both are done, the entry's error first: if the entry cannot be
// written, read's context is cancelled and whatever it read is to be
// dropped.
func (g *Gate) whileRecorded(ctx context.Context, e *sesame.AccessEntry, read func(ctx context.Context) error) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- read(rctx) }()
	if err := g.Audit.Record(ctx, e); err != nil {
		cancel()
		<-done
		return err
	}
	return <-done
}

// OperatorRead logs an operator's read of a person's data (operators need
// no consent but are seen by the person like anyone else).
func (g *Gate) OperatorRead(ctx context.Context, operator, person, what string) error {
	return g.Audit.Record(ctx, operatorEntry(operator, person, what))
}

// OperatorReadWhile is OperatorRead running read while the entry is
// written, as Score does: it returns once both are done, the entry's error
// first, and what read read is to be answered only when it returns nil.
func (g *Gate) OperatorReadWhile(ctx context.Context, operator, person, what string, read func(ctx context.Context) error) error {
	return g.whileRecorded(ctx, operatorEntry(operator, person, what), read)
}

func operatorEntry(operator, person, what string) *sesame.AccessEntry {
	return &sesame.AccessEntry{Person: person, Actor: "operator:" + operator, Action: ActionOperatorRead,
		Scope: sesame.ScopeFull, Outcome: sesame.AccessAllowed, Reason: what}
}
