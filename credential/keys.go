package credential

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// StoredKey is a signing key as the store keeps it: the public half in the
// clear (it is published anyway) and the private half sealed with the key
// encryption key (see Sealer), so a copy of the database alone cannot sign.
type StoredKey struct {
	KID       string
	Created   time.Time
	RetiredAt time.Time // zero while the key signs new credentials
	Public    ed25519.PublicKey
	Sealed    []byte // nonce || AES-256-GCM(private key seed), bound to the kid
}

// Retired reports whether the key had been retired at t.
func (k StoredKey) Retired(t time.Time) bool { return !k.RetiredAt.IsZero() && !t.Before(k.RetiredAt) }

// Published reports whether the key belongs in the JWKS at now: active keys,
// and retired keys for as long as a credential they signed may still be valid.
func (k StoredKey) Published(now time.Time) bool {
	return k.RetiredAt.IsZero() || now.Before(k.RetiredAt.Add(MaxValidity))
}

// Sealer encrypts private keys at rest with AES-256-GCM under a key
// encryption key (KEK) that lives outside the database (a 0600 file or an
// environment variable; see docs/portal.md). The kid is the additional data,
// so a sealed key cannot be swapped onto another kid's row.
type Sealer struct{ aead cipher.AEAD }

// KEKSize is the length of a key encryption key.
const KEKSize = 32

// NewSealer returns a Sealer for a 32-byte KEK.
func NewSealer(kek []byte) (*Sealer, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("credential: key encryption key must be %d bytes, got %d", KEKSize, len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts a private key for kid.
func (s *Sealer) Seal(kid string, priv ed25519.PrivateKey) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, priv.Seed(), []byte(kid)), nil
}

// Open decrypts a sealed private key of kid. It fails when the KEK is not the
// one the key was sealed with.
func (s *Sealer) Open(kid string, sealed []byte) (ed25519.PrivateKey, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("credential: sealed key too short")
	}
	seed, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(kid))
	if err != nil {
		return nil, fmt.Errorf("credential: cannot unseal key %s: wrong key encryption key or damaged row", kid)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// NewKey generates a key pair, seals its private half and returns it with
// the kid: a date prefix for people plus a thumbprint of the public key, so
// kids never collide and say roughly when the key was made.
func NewKey(s *Sealer, now time.Time) (StoredKey, ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return StoredKey{}, nil, err
	}
	sum := sha256.Sum256(pub)
	kid := now.UTC().Format("20060102") + "-" + base64.RawURLEncoding.EncodeToString(sum[:6])
	sealed, err := s.Seal(kid, priv)
	if err != nil {
		return StoredKey{}, nil, err
	}
	return StoredKey{KID: kid, Created: now.UTC(), Public: pub, Sealed: sealed}, priv, nil
}

// PublishedKey is one key of the published set: a JWK (RFC 7517) with two
// more members, as RFC 7517 §4 allows, giving the key's signing window in
// NumericDate seconds: "nbf", when it began signing, and "exp", when it was
// retired (absent while it signs). A credential whose iat lies outside its
// key's window was not issued by Sesame, whatever its signature says: the
// retired key's holder could otherwise backdate nothing but forward-date
// everything. JOSE libraries that do not know the members ignore them.
type PublishedKey struct {
	jose.JSONWebKey
	NotBefore int64 // Unix seconds; 0 when unknown
	Expiry    int64 // Unix seconds; 0 while the key signs
}

// KeyWindow is when a key signed: from From (inclusive) until Until
// (exclusive; zero while it still signs). Zero From means unknown.
type KeyWindow struct{ From, Until time.Time }

// Window returns the key's signing window.
func (k PublishedKey) Window() KeyWindow {
	var w KeyWindow
	if k.NotBefore > 0 {
		w.From = time.Unix(k.NotBefore, 0).UTC()
	}
	if k.Expiry > 0 {
		w.Until = time.Unix(k.Expiry, 0).UTC()
	}
	return w
}

func (k PublishedKey) MarshalJSON() ([]byte, error) {
	b, err := k.JSONWebKey.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if k.NotBefore > 0 {
		m["nbf"] = k.NotBefore
	}
	if k.Expiry > 0 {
		m["exp"] = k.Expiry
	}
	return json.Marshal(m)
}

func (k *PublishedKey) UnmarshalJSON(b []byte) error {
	if err := k.JSONWebKey.UnmarshalJSON(b); err != nil {
		return err
	}
	var w struct {
		NotBefore *int64 `json:"nbf"`
		Expiry    *int64 `json:"exp"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("jwk nbf/exp: %w", err)
	}
	k.NotBefore, k.Expiry = 0, 0
	if w.NotBefore != nil {
		k.NotBefore = *w.NotBefore
	}
	if w.Expiry != nil {
		k.Expiry = *w.Expiry
	}
	if k.NotBefore < 0 || k.Expiry < 0 || (k.Expiry > 0 && k.Expiry < k.NotBefore) {
		return errors.New("jwk: nbf and exp must be NumericDates with nbf ≤ exp")
	}
	return nil
}

// PublishedKeys is the JWK Set served at /.well-known/jwks.json.
type PublishedKeys struct {
	Keys []PublishedKey `json:"keys"`
}

// JWKS returns the public keys published at now, each with its window.
func JWKS(keys []StoredKey, now time.Time) PublishedKeys {
	set := PublishedKeys{Keys: []PublishedKey{}}
	for _, k := range keys {
		if !k.Published(now) {
			continue
		}
		pk := PublishedKey{JSONWebKey: jose.JSONWebKey{Key: k.Public, KeyID: k.KID, Algorithm: string(jose.EdDSA), Use: "sig"},
			NotBefore: k.Created.Unix()}
		if !k.RetiredAt.IsZero() {
			// Rounded up: a credential's iat is whole seconds, and one signed
			// in the retirement's second was signed before it.
			pk.Expiry = k.RetiredAt.Add(time.Second - 1).Unix()
		}
		set.Keys = append(set.Keys, pk)
	}
	return set
}

// KeySet finds a public key by kid, with the window in which it signed.
type KeySet interface {
	PublicKey(kid string) (pub ed25519.PublicKey, window KeyWindow, ok bool)
}

// StoredKeys is a KeySet over the issuer's own keys.
type StoredKeys []StoredKey

func (ks StoredKeys) PublicKey(kid string) (ed25519.PublicKey, KeyWindow, bool) {
	for _, k := range ks {
		if k.KID == kid {
			return k.Public, KeyWindow{From: k.Created, Until: k.RetiredAt}, true
		}
	}
	return nil, KeyWindow{}, false
}

// PublicKey makes a published set a KeySet for offline verification.
// Only Ed25519 signing keys are taken.
func (s PublishedKeys) PublicKey(kid string) (ed25519.PublicKey, KeyWindow, bool) {
	for _, k := range s.Keys {
		if k.KeyID != kid {
			continue
		}
		if pub, ok := k.Key.(ed25519.PublicKey); ok {
			return pub, k.Window(), true
		}
	}
	return nil, KeyWindow{}, false
}
