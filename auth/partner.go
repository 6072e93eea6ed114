package auth

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// KeyPrefix starts every partner API key: `ssk_<key id>_<secret>`. The key
// id finds the stored hash; the whole key is what is hashed.
const KeyPrefix = "ssk_"

// Partners registers partners and issues, rotates, revokes and checks
// their API keys. Operators call the write methods; the API calls
// Authenticate on every partner request.
type Partners struct {
	Store sesame.PartnerStore
	Now   func() time.Time
}

func (p *Partners) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// Register creates a partner and its first key. The key is returned once.
func (p *Partners) Register(ctx context.Context, partner *sesame.Partner) (key string, err error) {
	if !sesame.ValidID(partner.ID) {
		return "", sesame.Errorf(sesame.EINVALID, "partner id %q: use 1–128 letters, digits, '.', '_', ':', '@' or '-', starting with a letter or digit", partner.ID)
	}
	if strings.TrimSpace(partner.Name) == "" || len(partner.Name) > 200 {
		return "", sesame.Errorf(sesame.EINVALID, "partner name: give 1–200 characters")
	}
	for _, u := range partner.RedirectURIs {
		if err := ValidRedirectURI(u); err != nil {
			return "", err
		}
	}
	if partner.RatePerSecond < 0 || partner.RatePerSecond > 100000 || partner.Burst < 0 || partner.Burst > 100000 {
		return "", sesame.Errorf(sesame.EINVALID, "rate limit: rate and burst must lie in 0–100000 (0 = default)")
	}
	partner.CreatedAt = p.now()
	if err := p.Store.CreatePartner(ctx, partner); err != nil {
		return "", err
	}
	return p.IssueKey(ctx, partner.ID)
}

// IssueKey adds a new key to the partner, leaving its other keys as they are.
func (p *Partners) IssueKey(ctx context.Context, partner string) (string, error) {
	if _, err := p.Store.Partner(ctx, partner); err != nil {
		return "", err
	}
	id := shortID()
	key := KeyPrefix + id + "_" + secret("")
	k := &sesame.PartnerKey{ID: id, Partner: partner, Hash: Hash(key), CreatedAt: p.now()}
	if err := p.Store.AddPartnerKey(ctx, k); err != nil {
		return "", err
	}
	return key, nil
}

// Rotate issues a new key; the partner's older keys stay valid for grace
// (so that deployments can switch over), or are revoked at once when grace
// is 0.
func (p *Partners) Rotate(ctx context.Context, partner string, grace time.Duration) (string, error) {
	if grace < 0 || grace > 30*24*time.Hour {
		return "", sesame.Errorf(sesame.EINVALID, "grace period must lie between 0 and 30 days")
	}
	key, err := p.IssueKey(ctx, partner)
	if err != nil {
		return "", err
	}
	keep, _ := splitKey(key)
	now := p.now()
	if err := p.Store.ExpirePartnerKeys(ctx, partner, keep, now.Add(grace), grace == 0); err != nil {
		return "", err
	}
	return key, nil
}

// RevokeKeys revokes every key of the partner now: it can no longer call the API.
func (p *Partners) RevokeKeys(ctx context.Context, partner string) error {
	if _, err := p.Store.Partner(ctx, partner); err != nil {
		return err
	}
	return p.Store.ExpirePartnerKeys(ctx, partner, "", p.now(), true)
}

// RevokeKey revokes one key by its id.
func (p *Partners) RevokeKey(ctx context.Context, partner, keyID string) error {
	k, err := p.Store.PartnerKey(ctx, keyID)
	if err != nil || k.Partner != partner {
		return sesame.Errorf(sesame.ENOTFOUND, "partner %q has no key %q", partner, keyID)
	}
	return p.Store.RevokePartnerKey(ctx, keyID, p.now())
}

// errBadKey is the one answer to every wrong key, whatever was wrong with
// it, so that a caller learns nothing about which part failed.
var errBadKey = sesame.Errorf(sesame.EUNAUTHORIZED, "the API key is not valid; ask the operator for a new one")

// Authenticate returns the partner owning key, or EUNAUTHORIZED.
func (p *Partners) Authenticate(ctx context.Context, key string) (*sesame.Partner, error) {
	id, ok := splitKey(key)
	if !ok {
		return nil, errBadKey
	}
	k, err := p.Store.PartnerKey(ctx, id)
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		// Hash anyway so that an unknown id costs the same time as a known one.
		subtle.ConstantTimeCompare(Hash(key), Hash(""))
		return nil, errBadKey
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(Hash(key), k.Hash) != 1 || !k.Live(p.now()) {
		return nil, errBadKey
	}
	partner, err := p.Store.Partner(ctx, k.Partner)
	if err != nil {
		return nil, err
	}
	if !partner.DisabledAt.IsZero() {
		return nil, errBadKey
	}
	return partner, nil
}

// LooksLikeKey reports whether s has the shape of a partner key, so that a
// request's credentials can be routed to the right check.
func LooksLikeKey(s string) bool { return strings.HasPrefix(s, KeyPrefix) }

func splitKey(key string) (id string, ok bool) {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok || len(key) > 200 {
		return "", false
	}
	id, sec, ok := strings.Cut(rest, "_")
	return id, ok && len(id) == 12 && len(sec) >= 43
}

// ValidRedirectURI accepts https URLs, and http only for localhost (for
// development); no fragments, no user info.
func ValidRedirectURI(u string) error {
	bad := func() error {
		return sesame.Errorf(sesame.EINVALID, "redirect URI %q: use an absolute https URL without fragment (http only for localhost)", u)
	}
	if len(u) > 2000 || strings.ContainsAny(u, "#@ \t\r\n") {
		return bad()
	}
	switch {
	case strings.HasPrefix(u, "https://") && len(u) > len("https://"):
	case strings.HasPrefix(u, "http://localhost"), strings.HasPrefix(u, "http://127.0.0.1"):
	default:
		return bad()
	}
	return nil
}
