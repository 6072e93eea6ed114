package credential

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
)

// Store keeps signing keys and issued credentials. package sqlite implements it.
type Store interface {
	// SaveKey stores a new key; RetireKeys retires every key active at `at`
	// except keep, in the same transaction as nothing else needs.
	SaveKey(ctx context.Context, k StoredKey) error
	RetireKeys(ctx context.Context, keep string, at time.Time) error
	// Keys returns every key, newest first.
	Keys(ctx context.Context) ([]StoredKey, error)

	SaveCredential(ctx context.Context, r Record) error
	// Credential returns one credential by id, or an ENOTFOUND error.
	Credential(ctx context.Context, id string) (Record, error)
	// Credentials returns a person's credentials, newest first.
	Credentials(ctx context.Context, person string) ([]Record, error)
	// RevokeCredential marks the person's credential revoked at `at`;
	// ENOTFOUND when the person has no such credential. Revoking twice keeps
	// the first time.
	RevokeCredential(ctx context.Context, person, id string, at time.Time) error
	// RevokedStatusIndexes returns the status list positions of the
	// revoked credentials that have not expired at now.
	RevokedStatusIndexes(ctx context.Context, now time.Time) ([]int, error)
}

// Service issues, verifies and revokes credentials and rotates the keys.
// The person issues and revokes their own credentials (the portal checks
// who is asking); anyone may verify; only an operator rotates keys.
type Service struct {
	Store  Store
	Sealer *Sealer
	// Issuer is the iss claim: the base URL of this Sesame, where /verify and
	// /.well-known/jwks.json live.
	Issuer string
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Rotate makes a new signing key the active one and retires the others;
// retired keys stay published until the credentials they signed expired.
func (s *Service) Rotate(ctx context.Context) (StoredKey, error) {
	// The key being retired must open with this sealer: a wrong key
	// encryption key would otherwise seal a new signing key that no
	// replica holding the right one can use, and retire the one they can.
	keys, err := s.Store.Keys(ctx)
	if err != nil {
		return StoredKey{}, err
	}
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			if _, err := s.Sealer.Open(k.KID, k.Sealed); err != nil {
				return StoredKey{}, fmt.Errorf("the key encryption key does not open the current signing key %s, so it is not rotated: use the key that sealed it (%w)", k.KID, err)
			}
		}
	}
	now := s.now()
	k, _, err := NewKey(s.Sealer, now)
	if err != nil {
		return StoredKey{}, err
	}
	if err := s.Store.SaveKey(ctx, k); err != nil {
		return StoredKey{}, err
	}
	return k, s.Store.RetireKeys(ctx, k.KID, now)
}

// EnsureKey makes the first signing key if there is none, so that the JWKS
// is never empty (verifiers may fetch it before the first credential).
func (s *Service) EnsureKey(ctx context.Context) error {
	_, _, err := s.signingKey(ctx)
	return err
}

// signingKey returns the newest active key, creating the first one on first use.
func (s *Service) signingKey(ctx context.Context) (StoredKey, ed25519.PrivateKey, error) {
	keys, err := s.Store.Keys(ctx)
	if err != nil {
		return StoredKey{}, nil, err
	}
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			priv, err := s.Sealer.Open(k.KID, k.Sealed)
			return k, priv, err
		}
	}
	k, priv, err := NewKey(s.Sealer, s.now())
	if err != nil {
		return StoredKey{}, nil, err
	}
	return k, priv, s.Store.SaveKey(ctx, k)
}

// Issue signs a statement about the person's score and records it. The
// score must be the person's own current one; the statement may say less
// than the score (a lower band), never more.
func (s *Service) Issue(ctx context.Context, score *sesame.Score, req IssueRequest) (Record, error) {
	if score == nil || score.Status != sesame.StatusScored {
		return Record{}, sesame.Errorf(sesame.ECONFLICT, "there is no score to vouch for yet")
	}
	validity := req.Validity
	if validity == 0 {
		validity = DefaultValidity
	}
	if validity < MinValidity || validity > MaxValidity {
		return Record{}, sesame.Errorf(sesame.EINVALID, "validity must lie between 1 hour and 366 days")
	}
	st := Statement{Kind: req.Kind, AsOf: score.AsOf.UTC().Format(time.DateOnly), ModelVersion: score.ModelVersion, SelfAdded: len(score.SelfAdded) > 0}
	switch req.Kind {
	case KindBandAtLeast:
		st.Band = req.Band
		if st.Band == "" {
			st.Band = score.Band
		}
		if st.Band.Rank() < 0 {
			return Record{}, sesame.Errorf(sesame.EINVALID, "unknown band %q; use poor, fair, good, very_good or excellent", req.Band)
		}
		if st.Band.Rank() > sesame.BandOf(score.Score).Rank() {
			return Record{}, sesame.Errorf(sesame.EINVALID, "your score is in band %s; a credential cannot claim a higher band", sesame.BandOf(score.Score))
		}
	case KindScore:
		st.Score, st.Band = score.Score, sesame.BandOf(score.Score)
	case KindVerifiedClean:
		claim := sesame.BadgeClaim{Kind: sesame.BadgeVerifiedClean}
		if !claim.Holds(sesame.DecisionInput{Status: score.Status, Features: score.Features}) {
			return Record{}, sesame.Errorf(sesame.ECONFLICT, "your record does not show a verified identity with no unpaid orders")
		}
	default:
		return Record{}, sesame.Errorf(sesame.EINVALID, "kind must be %s, %s or %s", KindBandAtLeast, KindScore, KindVerifiedClean)
	}
	key, priv, err := s.signingKey(ctx)
	if err != nil {
		return Record{}, err
	}
	now := s.now().Truncate(time.Second)
	issuer := s.Issuer
	if issuer == "" {
		issuer = "sesame"
	}
	// A status list position is drawn at random; in the rare case it is
	// taken (the store says ECONFLICT), another is drawn.
	for attempt := 0; ; attempt++ {
		idx := randomIndex()
		c := Claims{Issuer: issuer, Subject: score.Person, ID: newID(), IssuedAt: now.Unix(), NotBefore: now.Unix(),
			Expiry: now.Add(validity).Unix(), Statement: st, Status: &StatusRef{StatusList: StatusListRef{Idx: idx, URI: s.statusURI()}}}
		token, err := Sign(c, key.KID, priv)
		if err != nil {
			return Record{}, err
		}
		r := Record{ID: c.ID, Person: score.Person, Kind: st.Kind, Band: st.Band, Score: st.Score, AsOf: st.AsOf, KID: key.KID,
			IssuedAt: now, ExpiresAt: c.ExpiryTime(), Token: token, StatusIndex: &idx}
		err = s.Store.SaveCredential(ctx, r)
		if sesame.ErrorCode(err) == sesame.ECONFLICT && attempt < 8 {
			continue
		}
		return r, err
	}
}

// Sign returns claims as a compact JWS (EdDSA) with kid and typ headers.
func Sign(c Claims, kid string, priv ed25519.PrivateKey) (string, error) {
	return signJSON(c, kid, priv, "JWT")
}

// Verify checks a credential online: everything Verify checks offline, plus
// revocation in the issuer's records.
func (s *Service) Verify(ctx context.Context, token string) (Result, error) {
	keys, err := s.Store.Keys(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Verify(token, StoredKeys(keys), s.now())
	if res.Claims == nil {
		return res, nil
	}
	rec, err := s.Store.Credential(ctx, res.Claims.ID)
	switch {
	case sesame.ErrorCode(err) == sesame.ENOTFOUND:
		// Signed by our key but not in our records: only possible if the
		// records were lost; say so rather than vouch for it.
		res.Valid, res.Reason, res.Detail = false, Revoked, "the issuer has no record of this credential"
	case err != nil:
		return Result{}, err
	case !rec.RevokedAt.IsZero():
		res.Valid, res.Reason, res.Detail = false, Revoked, Revoked.Text()+" (on "+rec.RevokedAt.Format(time.RFC3339)+")"
	}
	res.RevocationChecked = true
	return res, nil
}

// JWKS returns the keys to publish now.
func (s *Service) JWKS(ctx context.Context) (PublishedKeys, error) {
	keys, err := s.Store.Keys(ctx)
	if err != nil {
		return PublishedKeys{}, err
	}
	return JWKS(keys, s.now()), nil
}

// List returns the person's credentials, newest first.
func (s *Service) List(ctx context.Context, person string) ([]Record, error) {
	return s.Store.Credentials(ctx, person)
}

// Revoke revokes one of the person's credentials, effective at once.
func (s *Service) Revoke(ctx context.Context, person, id string) error {
	return s.Store.RevokeCredential(ctx, person, id, s.now())
}

// newID returns a random credential id: 128 bits, URL-safe.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
