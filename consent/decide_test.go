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

// TestBadgeOnlyConsentAllowsOnlyItsProducts: a social_badge consent, even
// one stored with a wider scope than the service would grant, allows no
// score read and no threshold check of the partner's choosing; only its own
// purpose's yes/no answer. Another consent to the same partner still works.
func TestBadgeOnlyConsentAllowsOnlyItsProducts(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	badge := &sesame.Consent{ID: "b", Person: "p", Partner: "a", Scope: sesame.ScopeFull, Purpose: sesame.PurposeSocialBadge,
		GrantedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)}
	for _, need := range []Need{
		{"p", "a", sesame.ScopeThreshold, "", 0},
		{"p", "a", sesame.ScopeScore, "", 0},
		{"p", "a", sesame.ScopeFull, "", 0},
		{"p", "a", sesame.ScopeScore, sesame.PurposeLoan, 0},
	} {
		if v := Decide([]*sesame.Consent{badge}, need, now); v.Allowed || v.Reason != ReasonWrongPurpose {
			t.Errorf("%+v under a social_badge consent: %+v", need, v)
		}
	}
	if v := Decide([]*sesame.Consent{badge}, Need{"p", "a", sesame.ScopeThreshold, sesame.PurposeSocialBadge, 0}, now); !v.Allowed {
		t.Errorf("the badge answer itself: %+v", v)
	}
	loan := &sesame.Consent{ID: "l", Person: "p", Partner: "a", Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan,
		GrantedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)}
	if v := Decide([]*sesame.Consent{badge, loan}, Need{"p", "a", sesame.ScopeScore, "", 0}, now); !v.Allowed || v.Consent.ID != "l" {
		t.Errorf("a loan consent beside the badge: %+v", v)
	}
}

func TestBadgeConsentsAreThresholdOnly(t *testing.T) {
	now := time.Now()
	for _, scope := range []sesame.Scope{sesame.ScopeScore, sesame.ScopeFull} {
		_, err := validGrant(sesame.PurposeSocialBadge, scope, now, now.Add(time.Hour), nil)
		if sesame.ErrorCode(err) != sesame.EINVALID || !strings.Contains(sesame.ErrorMessage(err)+detailsOf(err), "scope") {
			t.Errorf("social_badge with scope %s: %v", scope, err)
		}
	}
	if _, err := validGrant(sesame.PurposeSocialBadge, sesame.ScopeThreshold, now, now.Add(time.Hour), nil); err != nil {
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
