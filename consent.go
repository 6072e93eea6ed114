package sesame

import (
	"context"
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
	// AnswerConsentRequest records the answer to a pending request and, when
	// grant is not nil, creates that consent in the same transaction.
	// ECONFLICT when the request is no longer pending.
	AnswerConsentRequest(ctx context.Context, id, person, status string, at time.Time, grant *Consent) error
}
