package credential

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesame-credit/sesame"
)

// Revocation offline follows the IETF OAuth Token Status List draft
// (draft-ietf-oauth-status-list): each credential carries
// {"status": {"status_list": {"idx": N, "uri": ".../statuslists/1"}}}; the
// issuer publishes at that URI a JWT (typ statuslist+jwt) signed with its
// credential key, holding a zlib-compressed bit array in which bit N is 1
// when credential N is revoked. A verifier that fetched it within its
// maximum age can check revocation without asking the issuer about the
// credential, so the issuer does not learn who checks whom. Indexes are
// drawn at random, so a position says nothing about when or whose.
const (
	// StatusListSize is the number of positions (bits) in the list.
	StatusListSize = 1 << 20
	// StatusListPath is where the list is served, below the issuer's URL.
	StatusListPath = "/statuslists/1"
	// StatusListTTL is how long a fetched list may be used (its ttl claim).
	StatusListTTL = 5 * time.Minute
	// statusListType is the JWT typ the draft gives status list tokens.
	statusListType = "statuslist+jwt"
)

// StatusRef is a credential's "status" claim.
type StatusRef struct {
	StatusList StatusListRef `json:"status_list"`
}

// StatusListRef names the credential's position in a status list.
type StatusListRef struct {
	Idx int    `json:"idx"`
	URI string `json:"uri"`
}

// StatusListClaims is the payload of a status list token.
type StatusListClaims struct {
	Subject    string     `json:"sub"` // the list's URI, as credentials name it
	IssuedAt   int64      `json:"iat"`
	Expiry     int64      `json:"exp"`
	TTL        int64      `json:"ttl"` // seconds a verifier may cache it
	StatusList StatusBits `json:"status_list"`
}

// StatusBits is the compressed bit array: bits per status (1: valid or
// revoked) and lst, base64url of the zlib-compressed bytes, bit i of the
// list being bit i%8 (least significant first) of byte i/8.
type StatusBits struct {
	Bits int    `json:"bits"`
	List string `json:"lst"`
}

// randomIndex draws a status list position.
func randomIndex() int {
	var b [8]byte
	rand.Read(b[:])
	return int(binary.BigEndian.Uint64(b[:]) % StatusListSize)
}

func (s *Service) statusURI() string {
	issuer := s.Issuer
	if issuer == "" {
		issuer = "sesame"
	}
	return strings.TrimRight(issuer, "/") + StatusListPath
}

// StatusList returns the status list token to publish now: every revoked
// credential that has not expired has its bit set. It is signed with the
// current credential key, so the published JWKS verifies it.
func (s *Service) StatusList(ctx context.Context) (string, error) {
	now := s.now().Truncate(time.Second)
	revoked, err := s.Store.RevokedStatusIndexes(ctx, now)
	if err != nil {
		return "", err
	}
	bits := make([]byte, StatusListSize/8)
	for _, i := range revoked {
		if i >= 0 && i < StatusListSize {
			bits[i/8] |= 1 << (i % 8)
		}
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(bits)
	zw.Close()
	key, priv, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	c := StatusListClaims{Subject: s.statusURI(), IssuedAt: now.Unix(), Expiry: now.Add(StatusListTTL).Unix(), TTL: int64(StatusListTTL / time.Second),
		StatusList: StatusBits{Bits: 1, List: base64.RawURLEncoding.EncodeToString(z.Bytes())}}
	return signJSON(c, key.KID, priv, statusListType)
}

// signJSON signs v as a compact JWS (EdDSA) with kid and typ headers.
func signJSON(v any, kid string, priv ed25519.PrivateKey, typ string) (string, error) {
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader(jose.HeaderKey("kid"), kid)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: priv}, opts)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// maxStatusListToken bounds what is parsed: a list of a million positions
// with few revoked compresses to a few KiB.
const maxStatusListToken = 4 << 20

// CheckStatus completes an offline verification (res from Verify) with a
// status list token fetched from the credential's status URI: the list
// must be signed by a published key within its window, name the same URI,
// be at most maxAge old and not expired. A revoked credential becomes
// Revoked; one whose list cannot be used becomes StatusUnknown (not
// valid: the verifier asked for revocation to be checked and it was not).
// A credential without a status claim is returned as it was.
func CheckStatus(res Result, statusToken string, keys KeySet, now time.Time, maxAge time.Duration) Result {
	if res.Claims == nil || !res.Valid || res.Claims.Status == nil {
		return res
	}
	ref := res.Claims.Status.StatusList
	unknown := func(why string) Result {
		res.Valid, res.Reason, res.Detail = false, StatusUnknown, StatusUnknown.Text()+": "+why
		return res
	}
	c, err := parseStatusList(statusToken, keys)
	if err != nil {
		return unknown(err.Error())
	}
	iat := time.Unix(c.IssuedAt, 0)
	switch {
	case c.Subject != ref.URI:
		return unknown(fmt.Sprintf("the list is %s, the credential names %s", c.Subject, ref.URI))
	case now.Sub(iat) > maxAge:
		return unknown(fmt.Sprintf("the list was issued %s ago, more than the maximum age of %s; fetch it again", now.Sub(iat).Round(time.Second), maxAge))
	case c.Expiry != 0 && now.After(time.Unix(c.Expiry, 0).Add(clockSkew)):
		return unknown("the list has expired; fetch it again")
	case c.StatusList.Bits != 1:
		return unknown(fmt.Sprintf("the list has %d bits per status; Sesame's have 1", c.StatusList.Bits))
	}
	z, err := base64.RawURLEncoding.DecodeString(c.StatusList.List)
	if err != nil {
		return unknown("the list is not base64url")
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return unknown("the list is not zlib-compressed")
	}
	bits, err := io.ReadAll(io.LimitReader(zr, StatusListSize/8+1))
	if err != nil || len(bits) > StatusListSize/8 {
		return unknown("the list cannot be decompressed within its size")
	}
	if ref.Idx < 0 || ref.Idx/8 >= len(bits) {
		return unknown(fmt.Sprintf("the credential's position %d is outside the list", ref.Idx))
	}
	res.RevocationChecked = true
	if bits[ref.Idx/8]&(1<<(ref.Idx%8)) != 0 {
		res.Valid, res.Reason, res.Detail = false, Revoked, Revoked.Text()+" (status list of "+iat.UTC().Format(time.RFC3339)+")"
		return res
	}
	res.Detail += " (not revoked as of " + iat.UTC().Format(time.RFC3339) + ", by the issuer's status list)"
	return res
}

// parseStatusList checks a status list token's algorithm, type, key (and
// the key's window) and signature, and returns its claims.
func parseStatusList(token string, keys KeySet) (StatusListClaims, error) {
	var c StatusListClaims
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxStatusListToken {
		return c, fmt.Errorf("the status list is empty or too large")
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return c, fmt.Errorf("the status list is not an EdDSA-signed JWT")
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != statusListType {
		return c, fmt.Errorf("the status list's typ is %q, not %s", typ, statusListType)
	}
	pub, window, ok := keys.PublicKey(h.KeyID)
	if !ok {
		return c, fmt.Errorf("the status list is signed with key %q, which is not published", h.KeyID)
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		return c, fmt.Errorf("the status list's signature does not match")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || sesame.DuplicateKey(payload) != "" {
		return c, fmt.Errorf("the status list's claims are not readable")
	}
	iat := time.Unix(c.IssuedAt, 0)
	if !window.Until.IsZero() && !iat.Before(window.Until) || !window.From.IsZero() && iat.Add(clockSkew).Before(window.From.Truncate(time.Second)) {
		return c, fmt.Errorf("the status list claims a date outside its key's signing window")
	}
	return c, nil
}
