package sesame

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Purpose is why a partner asks; a consent is granted for one purpose and a
// product can only be evaluated under a consent of its own purpose.
type Purpose string

const (
	PurposeCreditCard   Purpose = "credit_card"
	PurposeLoan         Purpose = "loan"
	PurposeRental       Purpose = "rental"
	PurposeBikeSharing  Purpose = "bike_sharing"
	PurposeShortStay    Purpose = "short_stay"
	PurposeTryBeforeBuy Purpose = "try_before_buy"
	PurposeAfterSales   Purpose = "after_sales"
	PurposeSocial       Purpose = "social"
	// PurposeReview is an application's review (a visa, a lease, a hire):
	// the partner routes it to a lane and may waive checks.
	PurposeReview Purpose = "review"
	// PurposeSocialBadge lets a social platform ask only whether the claim
	// the person chose to show holds (BadgeClaim): a consent for it never
	// allows a read of the score, a threshold or a dimension.
	PurposeSocialBadge Purpose = "social_badge"
)

// Purposes lists every purpose.
var Purposes = []Purpose{PurposeCreditCard, PurposeLoan, PurposeRental, PurposeBikeSharing,
	PurposeShortStay, PurposeTryBeforeBuy, PurposeAfterSales, PurposeSocial, PurposeReview, PurposeSocialBadge}

// PurposeList is Purposes in words, for error messages.
const PurposeList = "credit_card, loan, rental, bike_sharing, short_stay, try_before_buy, after_sales, social, review or social_badge"

// BadgeOnly reports whether a consent of purpose p allows only the badge
// answer of its own products, never a read of the score or a threshold.
func (p Purpose) BadgeOnly() bool { return p == PurposeSocialBadge }

// Valid reports whether p is one of Purposes.
func (p Purpose) Valid() bool {
	for _, x := range Purposes {
		if x == p {
			return true
		}
	}
	return false
}

// Scope is how much of a score a consent shows, each level including the
// ones before it: threshold (only "is the score ≥ X?", yes or no), score
// (score and band), full (plus dimensions and reasons).
type Scope string

const (
	ScopeThreshold Scope = "threshold"
	ScopeScore     Scope = "score"
	ScopeFull      Scope = "full"
)

// Rank orders scopes (threshold 1, score 2, full 3); 0 when s is not a scope.
func (s Scope) Rank() int {
	switch s {
	case ScopeThreshold:
		return 1
	case ScopeScore:
		return 2
	case ScopeFull:
		return 3
	}
	return 0
}

// Valid reports whether s is a scope.
func (s Scope) Valid() bool { return s.Rank() > 0 }

// Covers reports whether a consent of scope s allows a read that needs scope need.
func (s Scope) Covers(need Scope) bool { return s.Valid() && need.Valid() && s.Rank() >= need.Rank() }

// MaxConsentDuration bounds a consent's lifetime; a person renews rather
// than granting forever.
const MaxConsentDuration = 2 * 366 * 24 * time.Hour

// Consent is a person's grant to a partner. Only the person grants and
// revokes it; a revoked or expired consent allows nothing, at once.
type Consent struct {
	ID        string    `json:"id"`
	Person    string    `json:"person"`
	Partner   string    `json:"partner"`
	Purpose   Purpose   `json:"purpose"`
	Scope     Scope     `json:"scope"`
	GrantedAt time.Time `json:"granted_at"`
	ExpiresAt time.Time `json:"expires_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// Request is the partner's consent request this grant answered, if any.
	Request string `json:"request,omitempty"`
	// Thresholds are the scores a threshold consent lets the partner ask
	// about ("is the score at least 650?"), ascending. A yes/no to any
	// threshold would let a partner bisect the exact score in nine asks,
	// so only these are answered. Empty on score and full consents.
	Thresholds []int `json:"thresholds,omitempty"`
}

// MaxThresholds bounds how many thresholds one consent may name: each
// answer halves what the partner does not know, so few must do.
const MaxThresholds = 4

// MinThresholdGap is how far apart the thresholds a partner may ask about
// one person must lie: the narrowest band's width. Four thresholds ten
// points apart would pin a score to ten points with the person's
// blessing; fifty apart, the answers say no more than a band does.
const MinThresholdGap = 50

// ThresholdGapError returns a description of two thresholds in ts (sorted,
// without repeats) that lie closer than MinThresholdGap, or "".
func ThresholdGapError(ts []int) string {
	for i := 1; i < len(ts); i++ {
		if ts[i]-ts[i-1] < MinThresholdGap {
			return fmt.Sprintf("%d and %d lie closer than %d points", ts[i-1], ts[i], MinThresholdGap)
		}
	}
	return ""
}

// AskableThresholds returns the thresholds c lets its partner ask about
// (the band edges for a threshold consent stored before consents named
// them), or nil for a consent that is not a threshold consent.
func (c *Consent) AskableThresholds() []int {
	if c.Scope != ScopeThreshold || c.Purpose.BadgeOnly() {
		return nil
	}
	if len(c.Thresholds) > 0 {
		return c.Thresholds
	}
	var out []int
	for _, b := range Bands[1:] {
		out = append(out, b.Min)
	}
	return out
}

// AllowsThreshold reports whether the consent lets its partner ask whether
// the score is at least min. Score and full consents show the score, so
// any threshold; a threshold consent only those it names. A threshold
// consent stored before consents named thresholds allows the band edges
// (550, 600, 650, 700): at most the band, never the score.
func (c *Consent) AllowsThreshold(min int) bool {
	switch {
	case c.Scope.Rank() > ScopeThreshold.Rank():
		return true
	case c.Scope != ScopeThreshold:
		return false
	case len(c.Thresholds) == 0:
		for _, b := range Bands[1:] {
			if b.Min == min {
				return true
			}
		}
		return false
	}
	for _, t := range c.Thresholds {
		if t == min {
			return true
		}
	}
	return false
}

// CheckThresholds validates the thresholds a consent of purpose and scope
// names and returns them sorted without repeats: required (1 to
// MaxThresholds scores on the scale) for threshold scope, refused for the
// others and for a badge-only purpose.
func CheckThresholds(purpose Purpose, scope Scope, thresholds []int) ([]int, *FieldError) {
	if purpose.BadgeOnly() {
		// Its answer is the badge the person chose, never a comparison of
		// the score.
		if len(thresholds) > 0 {
			return nil, &FieldError{Field: "thresholds", Reason: "a social_badge consent answers the badge the person chose and names no thresholds"}
		}
		return nil, nil
	}
	if scope != ScopeThreshold {
		if len(thresholds) > 0 {
			return nil, &FieldError{Field: "thresholds", Reason: "only a threshold consent names thresholds; a score or full consent shows the score"}
		}
		return nil, nil
	}
	if len(thresholds) == 0 || len(thresholds) > MaxThresholds {
		return nil, &FieldError{Field: "thresholds", Reason: fmt.Sprintf("name 1 to %d scores the partner may ask about, e.g. [650]", MaxThresholds)}
	}
	out := slices.Clone(thresholds)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, t := range out {
		if t < MinScore || t > MaxScore {
			return nil, &FieldError{Field: "thresholds", Reason: fmt.Sprintf("each threshold must lie between %d and %d", MinScore, MaxScore)}
		}
	}
	if gap := ThresholdGapError(out); gap != "" {
		return nil, &FieldError{Field: "thresholds", Reason: fmt.Sprintf("thresholds must lie at least %d points apart (the narrowest band's width): %s", MinThresholdGap, gap)}
	}
	return out, nil
}

// FormatThresholds and ParseThresholds are the stores' column form of
// Thresholds: "600,650".
func FormatThresholds(ts []int) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = strconv.Itoa(t)
	}
	return strings.Join(parts, ",")
}

// ParseThresholds reads FormatThresholds' output.
func ParseThresholds(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("thresholds %q: %w", s, err)
		}
		out[i] = n
	}
	return out, nil
}

// Live reports whether the consent allows anything at now.
func (c *Consent) Live(now time.Time) bool {
	return c.RevokedAt.IsZero() && now.Before(c.ExpiresAt) && !now.Before(c.GrantedAt)
}

// Consent request statuses.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestDeclined = "declined"
	RequestExpired  = "expired"
)

// ConsentRequest is a partner's request for a consent, answered by the
// person on Sesame's approval page; the person's browser then returns to
// RedirectURI with the request id and State.
type ConsentRequest struct {
	ID          string        `json:"id"`
	Partner     string        `json:"partner"`
	Person      string        `json:"person,omitempty"` // who the partner expects; "" lets whoever logs in answer
	Purpose     Purpose       `json:"purpose"`
	Scope       Scope         `json:"scope"`
	Duration    time.Duration `json:"-"` // the consent's lifetime once approved
	RedirectURI string        `json:"redirect_uri"`
	State       string        `json:"state,omitempty"` // the partner's opaque value, echoed back
	Status      string        `json:"status"`
	CreatedAt   time.Time     `json:"created_at"`
	ExpiresAt   time.Time     `json:"expires_at"` // of the request: after it, it can't be approved
	AnsweredAt  time.Time     `json:"answered_at,omitzero"`
	AnsweredBy  string        `json:"answered_by,omitempty"` // the person who answered
	Consent     string        `json:"consent,omitempty"`     // the consent granted on approval
	Thresholds  []int         `json:"thresholds,omitempty"`  // threshold scope: the scores the partner will ask about
}

// ConsentStore keeps consents and consent requests.
type ConsentStore interface {
	CreateConsent(ctx context.Context, c *Consent) error
	// Consent returns the consent with id, or ENOTFOUND.
	Consent(ctx context.Context, id string) (*Consent, error)
	// Consents returns a person's consents, newest first, including revoked
	// and expired ones (the person's history).
	Consents(ctx context.Context, person string) ([]*Consent, error)
	// ConsentsBetween returns every consent person gave partner.
	ConsentsBetween(ctx context.Context, person, partner string) ([]*Consent, error)
	// RevokeConsent marks the person's consent revoked at at; ENOTFOUND when
	// it is not the person's.
	RevokeConsent(ctx context.Context, person, id string, at time.Time) error

	CreateConsentRequest(ctx context.Context, r *ConsentRequest) error
	ConsentRequest(ctx context.Context, id string) (*ConsentRequest, error)
	// PendingConsentRequests returns the pending requests addressed to person.
	PendingConsentRequests(ctx context.Context, person string) ([]*ConsentRequest, error)
	// ConsentRequests returns every request addressed to person, answered
	// and expired ones too, newest first (the person's export).
	ConsentRequests(ctx context.Context, person string) ([]*ConsentRequest, error)
	// AnswerConsentRequest records the answer to a pending request and, when
	// grant is not nil, creates that consent in the same transaction.
	// ECONFLICT when the request is no longer pending.
	AnswerConsentRequest(ctx context.Context, id, person, status string, at time.Time, grant *Consent) error
}
