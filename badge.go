package sesame

import (
	"context"
	"strings"
	"time"
)

// Badge claim kinds: what a person may choose to show a social platform.
const (
	// BadgeBandAtLeast claims that the person's band is at least MinBand.
	BadgeBandAtLeast = "band_at_least"
	// BadgeVerifiedClean claims a verified identity and no unpaid
	// try-before-buy order.
	BadgeVerifiedClean = "verified_clean"
)

// BadgeClaim is the one statement a person chose to show a social
// platform. A social_badge decision says whether it holds and nothing
// else: never the score, the band beyond the claim, or a dimension.
type BadgeClaim struct {
	Kind    string `json:"kind"`
	MinBand Band   `json:"min_band,omitempty"`
}

// ParseBadgeClaim reads "band_at_least:good" or "verified_clean".
func ParseBadgeClaim(s string) (BadgeClaim, error) {
	kind, band, _ := strings.Cut(strings.TrimSpace(s), ":")
	c := BadgeClaim{Kind: kind, MinBand: Band(band)}
	return c, c.Validate()
}

// Validate returns EINVALID naming the field "badge" when c is not a claim.
func (c BadgeClaim) Validate() error {
	switch {
	case c.Kind == BadgeBandAtLeast && c.MinBand.Rank() >= 0:
		return nil
	case c.Kind == BadgeVerifiedClean && c.MinBand == "":
		return nil
	}
	return &Error{Code: EINVALID, Message: "the badge is not valid", Details: []FieldError{{Field: "badge",
		Reason: "use band_at_least:BAND (poor, fair, good, very_good or excellent) or verified_clean"}}}
}

// String is the claim as ParseBadgeClaim reads it.
func (c BadgeClaim) String() string {
	if c.Kind == BadgeBandAtLeast {
		return c.Kind + ":" + string(c.MinBand)
	}
	return c.Kind
}

// Text is the claim in words, as the platform shows it.
func (c BadgeClaim) Text() string {
	if c.Kind == BadgeBandAtLeast {
		return "band at least " + strings.ReplaceAll(string(c.MinBand), "_", " ")
	}
	return "verified identity and no unpaid orders"
}

// Holds reports whether the claim is true of in: the reference a social
// product's policy is held to when it is compiled.
func (c BadgeClaim) Holds(in DecisionInput) bool {
	switch c.Kind {
	case BadgeBandAtLeast:
		return in.Status == StatusScored && in.Band.Rank() >= c.MinBand.Rank()
	case BadgeVerifiedClean:
		return in.Features["identity_verified"] >= 1 && in.Features["orders_unpaid"] == 0
	}
	return false
}

// BadgeChoice is what a person chose to show one platform. Only the
// person sets it; it counts only under a live social_badge consent to
// that partner.
type BadgeChoice struct {
	Person   string     `json:"person"`
	Partner  string     `json:"partner"`
	Claim    BadgeClaim `json:"claim"`
	ChosenAt time.Time  `json:"chosen_at"`
}

// BadgeStore keeps each person's badge choice per partner.
type BadgeStore interface {
	// SetBadge stores or replaces the person's choice for the partner.
	SetBadge(ctx context.Context, b *BadgeChoice) error
	// Badge returns the person's choice for the partner, or ENOTFOUND.
	Badge(ctx context.Context, person, partner string) (*BadgeChoice, error)
	// Badges returns all of the person's choices, by partner.
	Badges(ctx context.Context, person string) ([]*BadgeChoice, error)
}
