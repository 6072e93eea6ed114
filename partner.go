package sesame

import (
	"context"
	"time"
)

// Partner is an organisation that asks about people's scores: a card
// issuer, a lender, a rental or bike-sharing company. Operators register
// partners; a partner sees nothing about a person without that person's
// live consent.
type Partner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// RedirectURIs are the only places a person's browser is sent back to
	// after answering the partner's consent request (exact match).
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	// RatePerSecond and Burst size the partner's token bucket (0: defaults).
	RatePerSecond float64   `json:"rate_per_second"`
	Burst         int       `json:"burst"`
	CreatedAt     time.Time `json:"created_at"`
	DisabledAt    time.Time `json:"disabled_at,omitzero"`
}

// PartnerKey is the stored half of a partner API key: its public id and the
// SHA-256 of the secret. The secret itself is shown once, when issued.
type PartnerKey struct {
	ID        string    `json:"id"` // the key's public prefix, used to find it
	Partner   string    `json:"partner"`
	Hash      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt ends a key that was rotated out with a grace period.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// Live reports whether the key may be used at now.
func (k PartnerKey) Live(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

// PartnerStore keeps partners and the hashes of their keys. Only operators
// write to it (through the CLI or the operator API).
type PartnerStore interface {
	CreatePartner(ctx context.Context, p *Partner) error
	Partner(ctx context.Context, id string) (*Partner, error)
	Partners(ctx context.Context) ([]*Partner, error)
	UpdatePartner(ctx context.Context, p *Partner) error
	AddPartnerKey(ctx context.Context, k *PartnerKey) error
	// PartnerKey returns the key with the given public id, or ENOTFOUND.
	PartnerKey(ctx context.Context, id string) (*PartnerKey, error)
	PartnerKeys(ctx context.Context, partner string) ([]*PartnerKey, error)
	// ExpirePartnerKeys sets the expiry of every live key of partner except
	// keep (a rotation); a zero at revokes them now.
	ExpirePartnerKeys(ctx context.Context, partner, keep string, at time.Time, revoke bool) error
	// RevokePartnerKey revokes one key at at, or returns ENOTFOUND.
	RevokePartnerKey(ctx context.Context, id string, at time.Time) error
}
