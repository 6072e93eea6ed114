// Package credential is the signed statement a person shares about their
// score: "band ≥ very good as of 2026-11-25", or the exact score, with an
// expiry. A credential is a compact JWS signed with Ed25519 (alg EdDSA), so
// anyone holding the public keys (/.well-known/jwks.json) can check it
// offline; online verification also checks that the person has not revoked it.
//
// The package does no I/O of its own: keys and issued credentials live in a
// Store (package sqlite implements it), and the clock is injected.
package credential

import (
	"time"

	"github.com/sesame-credit/sesame"
)

// Statement kinds. A band statement reveals only a lower bound; a score
// statement reveals the exact score and its band.
const (
	KindBandAtLeast = "band_at_least"
	KindScore       = "score"
	// KindVerifiedClean states a verified identity and no unpaid order: the
	// social badge's second claim, with no score or band in it at all.
	KindVerifiedClean = "verified_clean"
)

// Validity limits. MaxValidity also bounds how long a retired key stays
// published: every credential it signed has expired by then.
const (
	DefaultValidity = 30 * 24 * time.Hour
	MaxValidity     = 366 * 24 * time.Hour
	MinValidity     = time.Hour
)

// Statement is what a credential asserts about a person's score.
type Statement struct {
	Kind  string      `json:"kind"`
	Band  sesame.Band `json:"band"`            // the lower bound (band_at_least) or the score's band (score)
	Score int         `json:"score,omitempty"` // only for KindScore
	// AsOf is the date of the score the statement was made from (YYYY-MM-DD, UTC).
	AsOf         string `json:"as_of"`
	ModelVersion string `json:"model_version,omitempty"`
	// SelfAdded says the score counted facts the person added to their own
	// record (sesame.Addition), as every report of it does.
	SelfAdded bool `json:"self_added,omitempty"`
}

// Claims is the JWS payload: registered JWT claims plus the statement.
type Claims struct {
	Issuer    string    `json:"iss"`
	Subject   string    `json:"sub"` // the person
	ID        string    `json:"jti"` // the credential's id, the key of revocation
	IssuedAt  int64     `json:"iat"` // Unix seconds
	NotBefore int64     `json:"nbf"`
	Expiry    int64     `json:"exp"`
	Statement Statement `json:"stmt"`
	// Status is the credential's position in the issuer's status list, for
	// revocation checked offline (absent on credentials issued before).
	Status *StatusRef `json:"status,omitempty"`
}

// IssuedTime, ExpiryTime return the claims' times as time.Time (UTC).
func (c Claims) IssuedTime() time.Time { return time.Unix(c.IssuedAt, 0).UTC() }
func (c Claims) ExpiryTime() time.Time { return time.Unix(c.Expiry, 0).UTC() }

// Record is an issued credential as the issuer keeps it: enough to list a
// person's credentials, show them again and revoke them. The token is kept
// because the person may want to show the link or QR code again; it reveals
// nothing the person did not choose to share.
type Record struct {
	ID        string      `json:"id"`
	Person    string      `json:"person"`
	Kind      string      `json:"kind"`
	Band      sesame.Band `json:"band"`
	Score     int         `json:"score,omitempty"`
	AsOf      string      `json:"as_of"`
	KID       string      `json:"kid"`
	IssuedAt  time.Time   `json:"issued_at"`
	ExpiresAt time.Time   `json:"expires_at"`
	RevokedAt time.Time   `json:"revoked_at,omitzero"`
	Token     string      `json:"token"`
	// StatusIndex is the credential's position in the status list (nil on
	// credentials issued before there was one).
	StatusIndex *int `json:"status_index,omitempty"`
}

// Active reports whether the credential is neither revoked nor expired at now.
func (r Record) Active(now time.Time) bool {
	return r.RevokedAt.IsZero() && now.Before(r.ExpiresAt)
}

// IssueRequest is what a person asks to have signed.
type IssueRequest struct {
	Kind string `json:"kind"`
	// Band is the lower bound to state for KindBandAtLeast; empty means the
	// person's current band. It may be lower than the current band (a person
	// may prove "at least good" while being excellent), never higher.
	Band     sesame.Band   `json:"band,omitempty"`
	Validity time.Duration `json:"validity,omitempty"` // 0: DefaultValidity
}
