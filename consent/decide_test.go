package consent

import (
	"strings"
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
	cases := []struct {
		name     string
		consents []*sesame.Consent
		need     Need
		allowed  string // consent id, or "" for denied
		reason   string
	}{
		{"none", nil, Need{"p", "a", sesame.ScopeThreshold, ""}, "", ReasonNoConsent},
		{"other partner's", []*sesame.Consent{live}, Need{"p", "b", sesame.ScopeThreshold, ""}, "", ReasonNoConsent},
		{"other person's", []*sesame.Consent{live}, Need{"q", "a", sesame.ScopeThreshold, ""}, "", ReasonNoConsent},
		{"threshold within score", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeThreshold, ""}, "live", ""},
		{"score within score", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeScore, ""}, "live", ""},
		{"full beyond score", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeFull, ""}, "", ReasonWrongScope},
		{"widest wins", []*sesame.Consent{live, full}, Need{"p", "a", sesame.ScopeScore, ""}, "full", ""},
		{"expired", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, -h, 0)}, Need{"p", "a", sesame.ScopeThreshold, ""}, "", ReasonExpired},
		{"expires exactly now", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, 0, 0)}, Need{"p", "a", sesame.ScopeThreshold, ""}, "", ReasonExpired},
		{"not yet granted", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, h, 2*h, 0)}, Need{"p", "a", sesame.ScopeThreshold, ""}, "", ReasonExpired},
		{"revoked", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, h, -time.Nanosecond)}, Need{"p", "a", sesame.ScopeThreshold, ""}, "", ReasonRevoked},
		{"revoked but another live", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, h, -h), live}, Need{"p", "a", sesame.ScopeScore, ""}, "live", ""},
		{"wrong purpose", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeScore, sesame.PurposeRental}, "", ReasonWrongPurpose},
		{"right purpose", []*sesame.Consent{live}, Need{"p", "a", sesame.ScopeScore, sesame.PurposeLoan}, "live", ""},
		{"closest reason: wrong scope beats expired", []*sesame.Consent{c("x", sesame.ScopeFull, sesame.PurposeLoan, -2*h, -h, 0), live}, Need{"p", "a", sesame.ScopeFull, ""}, "", ReasonWrongScope},
		{"bad scope asked", []*sesame.Consent{full}, Need{"p", "a", "everything", ""}, "", ReasonWrongScope},
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

// TestBadgeOnlyConsentAllowsOnlyItsProducts: a social_badge consent, even
// one stored with a wider scope than the service would grant, allows no
// score read and no threshold check of the partner's choosing; only its own
// purpose's yes/no answer. Another consent to the same partner still works.
func TestBadgeOnlyConsentAllowsOnlyItsProducts(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	badge := &sesame.Consent{ID: "b", Person: "p", Partner: "a", Scope: sesame.ScopeFull, Purpose: sesame.PurposeSocialBadge,
		GrantedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)}
	for _, need := range []Need{
		{"p", "a", sesame.ScopeThreshold, ""},
		{"p", "a", sesame.ScopeScore, ""},
		{"p", "a", sesame.ScopeFull, ""},
		{"p", "a", sesame.ScopeScore, sesame.PurposeLoan},
	} {
		if v := Decide([]*sesame.Consent{badge}, need, now); v.Allowed || v.Reason != ReasonWrongPurpose {
			t.Errorf("%+v under a social_badge consent: %+v", need, v)
		}
	}
	if v := Decide([]*sesame.Consent{badge}, Need{"p", "a", sesame.ScopeThreshold, sesame.PurposeSocialBadge}, now); !v.Allowed {
		t.Errorf("the badge answer itself: %+v", v)
	}
	loan := &sesame.Consent{ID: "l", Person: "p", Partner: "a", Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan,
		GrantedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)}
	if v := Decide([]*sesame.Consent{badge, loan}, Need{"p", "a", sesame.ScopeScore, ""}, now); !v.Allowed || v.Consent.ID != "l" {
		t.Errorf("a loan consent beside the badge: %+v", v)
	}
}

func TestBadgeConsentsAreThresholdOnly(t *testing.T) {
	now := time.Now()
	for _, scope := range []sesame.Scope{sesame.ScopeScore, sesame.ScopeFull} {
		err := validGrant(sesame.PurposeSocialBadge, scope, now, now.Add(time.Hour))
		if sesame.ErrorCode(err) != sesame.EINVALID || !strings.Contains(sesame.ErrorMessage(err)+detailsOf(err), "scope") {
			t.Errorf("social_badge with scope %s: %v", scope, err)
		}
	}
	if err := validGrant(sesame.PurposeSocialBadge, sesame.ScopeThreshold, now, now.Add(time.Hour)); err != nil {
		t.Errorf("social_badge threshold: %v", err)
	}
}

func detailsOf(err error) string {
	var s string
	if e, ok := err.(*sesame.Error); ok {
		for _, d := range e.Details {
			s += d.Field + ": " + d.Reason + "; "
		}
	}
	return s
}
