package consent

import (
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := func(id string, scope sesame.Scope, purpose sesame.Purpose, granted, expires, revoked time.Duration) *sesame.Consent {
		x := &sesame.Consent{ID: id, Person: "p", Partner: "a", Scope: scope, Purpose: purpose, GrantedAt: now.Add(granted), ExpiresAt: now.Add(expires)}
		if revoked != 0 {
			x.RevokedAt = now.Add(revoked)
		}
		return x
	}
	h := time.Hour
	live := c("live", sesame.ScopeScore, sesame.PurposeLoan, -h, h, 0)
	full := c("full", sesame.ScopeFull, sesame.PurposeLoan, -h, 2*h, 0)
	named := c("named", sesame.ScopeThreshold, sesame.PurposeLoan, -h, h, 0)
	named.Thresholds = []int{600, 650}
	legacy := c("legacy", sesame.ScopeThreshold, sesame.PurposeLoan, -h, h, 0)
	cases := []struct {
		name     string
		consents []*sesame.Consent
		need     Need
		allowed  string // consent id, or "" for denied
		reason   string
	}{
		{"none", nil, Need{"p", "a", sesame.ScopeThreshold, "", 0}, "", ReasonNoConsent},
		{"other partner's", []*sesame.Consent{live}, Need{"p", "b", sesame.ScopeThreshold, "", 0}, "", ReasonNoConsent},
		{"other person's", []*sesame.Consent{live}, Need{"q", "a", sesame.ScopeThreshold, "", 0}, "", ReasonNoConsent},
		{"threshold within score", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeThreshold, "", 0}, "live", ""},
		{"score within score", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeScore, "", 0}, "live", ""},
		{"full beyond score", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeFull, "", 0}, "", ReasonWrongScope},
		{"widest wins", []*sesame.Consent{live, full}, Need{"p", "a", sesame.ScopeScore, "", 0}, "full", ""},
		{"expired", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, -h, 0)}, Need{"p", "a", sesame.ScopeThreshold, "", 0}, "", ReasonExpired},
		{"expires exactly now", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, 0, 0)}, Need{"p", "a", sesame.ScopeThreshold, "", 0}, "", ReasonExpired},
		{"not yet granted", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, h, 2*h, 0)}, Need{"p", "a", sesame.ScopeThreshold, "", 0}, "", ReasonExpired},
		{"revoked", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, h, -time.Nanosecond)}, Need{"p", "a", sesame.ScopeThreshold, "", 0}, "", ReasonRevoked},
		{"revoked but another live", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, h, -h), live}, Need{"p", "a", sesame.ScopeScore, "", 0}, "live", ""},
		{"wrong purpose", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeScore, sesame.PurposeRental, 0}, "", ReasonWrongPurpose},
		{"right purpose", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeScore, sesame.PurposeLoan, 0}, "live", ""},
		{"closest reason: wrong scope beats expired", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, -h, 0), live}, Need{"p", "a", sesame.ScopeFull, "", 0}, "", ReasonWrongScope},
		{"bad scope asked", []*sesame.Consent{full}, Need{"p", "a", "everything", "", 0}, "", ReasonWrongScope},
		{"named threshold", []*sesame.Consent{named}, Need{"p", "a", sesame.ScopeThreshold, "", 650}, "named", ""},
		{"threshold not named", []*sesame.Consent{named}, Need{"p", "a", sesame.ScopeThreshold, "", 651}, "", ReasonThreshold},
		{"threshold not named beats expired", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, -h, 0), named}, Need{"p", "a", sesame.ScopeThreshold, "", 640}, "", ReasonThreshold},
		{"any threshold under a score consent", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeThreshold, "", 651}, "live", ""},
		{"old threshold consent: band edge", []*sesame.Consent{legacy}, Need{"p", "a", sesame.ScopeThreshold, "", 700}, "legacy", ""},
		{"old threshold consent: not a band edge", []*sesame.Consent{legacy}, Need{"p", "a", sesame.ScopeThreshold, "", 675}, "", ReasonThreshold},
		{"old threshold consent: the scale's floor", []*sesame.Consent{legacy}, Need{"p", "a", sesame.ScopeThreshold, "", 350}, "", ReasonThreshold},
	}
	for _, tc := range cases {
		v := Decide(tc.consents, tc.need, now)
		got := ""
		if v.Allowed {
			got = v.Consent.ID
		}
		if got != tc.allowed || (!v.Allowed && v.Reason != tc.reason) {
			t.Errorf("%s: allowed %q reason %q, want %q %q", tc.name, got, v.Reason, tc.allowed, tc.reason)
		}
	}
}
