package credential

// Reason says why a credential was accepted or rejected. Codes are stable
// (scripts and the portal's translations key on them); messages are English.
type Reason string

const (
	Valid          Reason = "valid"
	Malformed      Reason = "malformed"       // not a compact JWS with a JSON payload
	UnsupportedAlg Reason = "unsupported_alg" // alg is not EdDSA (e.g. none, HS256, RS256)
	UnknownKey     Reason = "unknown_key"     // no published key has this kid
	BadSignature   Reason = "bad_signature"   // the payload or header was altered, or another key signed it
	Expired        Reason = "expired"
	NotYetValid    Reason = "not_yet_valid"
	KeyRetired     Reason = "key_retired"    // signed by a retired key after its retirement
	KeyNotActive   Reason = "key_not_active" // claims a date before its signing key existed
	Revoked        Reason = "revoked"
	StatusUnknown  Reason = "status_unknown" // offline: the status list asked for could not be used
	BadClaims      Reason = "bad_claims"     // signature fine but the statement is not one Sesame issues
)

var reasonText = map[Reason]string{
	Valid:          "the credential is genuine and current",
	Malformed:      "this is not a Sesame credential (not a compact JWS with a readable payload)",
	UnsupportedAlg: "the credential uses a signature algorithm Sesame never issues; only EdDSA (Ed25519) is accepted",
	UnknownKey:     "the credential was signed with a key Sesame does not publish",
	BadSignature:   "the signature does not match: the credential was altered or forged",
	Expired:        "the credential has expired",
	NotYetValid:    "the credential is not valid yet",
	KeyRetired:     "the credential claims a date after its signing key was retired",
	KeyNotActive:   "the credential claims a date before its signing key existed",
	Revoked:        "the person has revoked this credential",
	StatusUnknown:  "the revocation status could not be checked",
	BadClaims:      "the credential's statement is incomplete or inconsistent",
}

// Text returns the reason in English for people.
func (r Reason) Text() string {
	if t, ok := reasonText[r]; ok {
		return t
	}
	return string(r)
}
