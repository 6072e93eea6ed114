// Package consent decides whether a partner may read part of a person's
// score now (Decide: pure, no I/O), and carries the person's consent
// actions: grant, list, revoke, answer a partner's request (Service).
package consent

import (
	"time"

	"github.com/sesame-credit/sesame"
)

// Need is what a read requires: whose data, who asks, how much of it, and
// for which purpose ("" when any purpose will do).
type Need struct {
	Person  string
	Partner string
	Scope   sesame.Scope
	Purpose sesame.Purpose
	// Threshold is the score a threshold check asks about (0 for other
	// reads); a threshold consent allows only the thresholds it names.
	Threshold int
}

// Verdict is the answer. When Allowed is false, Reason says why in words a
// partner can act on; it never depends on anything but the consents (not
// on whether the person exists or has a score), so it reveals nothing else.
type Verdict struct {
	Allowed bool
	Consent *sesame.Consent // the consent that allows the read
	Reason  string
}

// Reasons of a denial. They are fixed strings so that tests and partners
// can match them.
const (
	ReasonNoConsent    = "no consent from this person to this partner"
	ReasonRevoked      = "the person revoked the consent"
	ReasonExpired      = "the consent has expired"
	ReasonWrongScope   = "the consent's scope does not cover this read"
	ReasonWrongPurpose = "the consent was given for another purpose"
	ReasonThreshold    = "the consent does not name this threshold"
)

// Decide returns whether consents (those person gave partner) allow need
// at now. Of several consents that allow it, the one with the widest scope
// and then the latest expiry is named. When none does, the reason is that
// of the consent that came closest: a live one of the wrong scope or
// purpose, or a threshold it does not name, before an expired one before
// a revoked one.
func Decide(consents []*sesame.Consent, need Need, now time.Time) Verdict {
	var best *sesame.Consent
	reason, rank := ReasonNoConsent, 0
	deny := func(r string, k int) {
		if k > rank {
			reason, rank = r, k
		}
	}
	for _, c := range consents {
		if c.Person != need.Person || c.Partner != need.Partner {
			continue
		}
		switch {
		case !c.RevokedAt.IsZero() && !now.Before(c.RevokedAt):
			deny(ReasonRevoked, 1)
		case !now.Before(c.ExpiresAt) || now.Before(c.GrantedAt):
			deny(ReasonExpired, 2)
		case need.Purpose != "" && c.Purpose != need.Purpose,
			// A badge-only consent answers its own products and nothing
			// else: not a score read, not a threshold of the partner's choosing.
			c.Purpose.BadgeOnly() && need.Purpose != c.Purpose:
			deny(ReasonWrongPurpose, 3)
		case !c.Scope.Covers(need.Scope):
			deny(ReasonWrongScope, 4)
		case need.Threshold != 0 && !c.AllowsThreshold(need.Threshold):
			deny(ReasonThreshold, 5)
		default:
			if best == nil || c.Scope.Rank() > best.Scope.Rank() ||
				c.Scope.Rank() == best.Scope.Rank() && c.ExpiresAt.After(best.ExpiresAt) {
				best = c
			}
		}
	}
	if best != nil {
		return Verdict{Allowed: true, Consent: best}
	}
	return Verdict{Reason: reason}
}
