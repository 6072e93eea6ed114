package consent

import (
	"context"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// Gate is the one door to a person's score for anyone but the person: it
// decides on the consents, writes the access entry (allowed or denied)
// and only then reads the score. A read that cannot be logged does not
// happen.
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
	v, err := g.Consents.Check(ctx, Need{Person: rd.Person, Partner: rd.Partner, Scope: rd.Scope, Purpose: rd.Purpose, Threshold: rd.Threshold})
	if err != nil {
		return nil, err
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
	if err := g.Audit.Record(ctx, e); err != nil {
		return nil, err
	}
	if !v.Allowed {
		return nil, sesame.Errorf(sesame.EFORBIDDEN, "%s (%s, scope %s needed)", v.Reason, rd.Action, rd.Scope)
	}
	return v.Consent, nil
}

// Score is Allow followed by the read of the latest score. A person
// without a score comes back as an insufficient-history score, not an
// error, so that partners cannot tell "unknown" from "thin file" by the
// error shape.
func (g *Gate) Score(ctx context.Context, rd Read) (*sesame.Score, *sesame.Consent, error) {
	c, err := g.Allow(ctx, rd)
	if err != nil {
		return nil, nil, err
	}
	s, err := g.Scores.LatestScore(ctx, rd.Person)
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		return &sesame.Score{Person: rd.Person, Status: sesame.StatusInsufficientHistory}, c, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return s, c, nil
}

// OperatorRead logs an operator's read of a person's data (operators need
// no consent but are seen by the person like anyone else).
func (g *Gate) OperatorRead(ctx context.Context, operator, person, what string) error {
	return g.Audit.Record(ctx, &sesame.AccessEntry{Person: person, Actor: "operator:" + operator, Action: ActionOperatorRead,
		Scope: sesame.ScopeFull, Outcome: sesame.AccessAllowed, Reason: what})
}
