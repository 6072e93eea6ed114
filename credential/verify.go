package credential

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesame-credit/sesame"
)

// Result is the outcome of verifying a credential. Claims are filled when
// the signature checked out, even if the credential is expired or revoked,
// so that a verifier can say what was claimed and why it no longer holds.
type Result struct {
	Valid  bool    `json:"valid"`
	Reason Reason  `json:"reason"`
	Detail string  `json:"detail"`
	Claims *Claims `json:"claims,omitempty"`
	KID    string  `json:"kid,omitempty"`
	// RevocationChecked is false for offline verification: the signature
	// and dates hold, but only the issuer knows whether it was revoked.
	RevocationChecked bool `json:"revocation_checked"`
}

func reject(r Reason) Result { return Result{Reason: r, Detail: r.Text()} }

// MaxTokenLength bounds what is parsed: a real credential is ~500 bytes.
const MaxTokenLength = 4096

// clockSkew tolerates small differences between the issuer's and verifier's clocks.
const clockSkew = time.Minute

// Verify checks a compact JWS offline: its algorithm, key, signature, dates
// and statement. Revocation is not checked (see Service.Verify).
func Verify(token string, keys KeySet, now time.Time) Result {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > MaxTokenLength || strings.Count(token, ".") != 2 {
		return reject(Malformed)
	}
	// Read alg ourselves first: go-jose would refuse other algorithms too,
	// but "none" or "HS256" deserves its own clear answer, because it is
	// what an attacker tries.
	hdr, err := base64.RawURLEncoding.DecodeString(token[:strings.IndexByte(token, '.')])
	if err != nil {
		return reject(Malformed)
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hdr, &h); err != nil {
		return reject(Malformed)
	}
	if h.Alg != string(jose.EdDSA) {
		res := reject(UnsupportedAlg)
		res.Detail += " (got " + quoteAlg(h.Alg) + ")"
		return res
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return reject(Malformed)
	}
	kid := jws.Signatures[0].Header.KeyID
	pub, window, ok := keys.PublicKey(kid)
	if !ok {
		res := reject(UnknownKey)
		res.KID = kid
		return res
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		res := reject(BadSignature)
		res.KID = kid
		return res
	}
	var c Claims
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Result{Reason: BadClaims, Detail: BadClaims.Text(), KID: kid}
	}
	res := Result{Claims: &c, KID: kid}
	switch {
	case !claimsWellFormed(c):
		res.Reason = BadClaims
	case now.After(c.ExpiryTime().Add(clockSkew)):
		res.Reason = Expired
	case now.Add(clockSkew).Before(time.Unix(c.NotBefore, 0)):
		res.Reason = NotYetValid
	case !window.Until.IsZero() && !c.IssuedTime().Before(window.Until):
		res.Reason = KeyRetired
	case !window.From.IsZero() && c.IssuedTime().Add(clockSkew).Before(window.From.Truncate(time.Second)):
		res.Reason = KeyNotActive
	default:
		res.Valid, res.Reason = true, Valid
	}
	res.Detail = res.Reason.Text()
	if res.Reason == Expired {
		res.Detail += " (on " + c.ExpiryTime().Format(time.RFC3339) + ")"
	}
	return res
}

func claimsWellFormed(c Claims) bool {
	if c.ID == "" || c.Subject == "" || c.Expiry <= c.IssuedAt || c.IssuedAt <= 0 {
		return false
	}
	if _, err := time.Parse(time.DateOnly, c.Statement.AsOf); err != nil {
		return false
	}
	switch c.Statement.Kind {
	case KindBandAtLeast:
		return c.Statement.Band.Rank() >= 0 && c.Statement.Score == 0
	case KindScore:
		s := c.Statement.Score
		return s >= sesame.MinScore && s <= sesame.MaxScore && sesame.BandOf(s) == c.Statement.Band
	case KindVerifiedClean:
		return c.Statement.Band == "" && c.Statement.Score == 0
	}
	return false
}

// quoteAlg shows an attacker-chosen alg safely and briefly.
func quoteAlg(alg string) string {
	if len(alg) > 16 {
		alg = alg[:16] + "…"
	}
	if alg == "" {
		return "no alg"
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' {
			return '?'
		}
		return r
	}, alg) + `"`
}
