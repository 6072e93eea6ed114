package credential_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/credential/credentialtest"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newService(t *testing.T) (*credential.Service, *clock) {
	t.Helper()
	sealer, err := credential.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	return &credential.Service{Store: &credential.MemStore{}, Sealer: sealer, Issuer: "https://sesame.example", Now: c.Now}, c
}

func score(s int) *sesame.Score {
	return &sesame.Score{Person: "alice", Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s),
		ModelVersion: "abc123", AsOf: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
}

func issue(t *testing.T, svc *credential.Service, req credential.IssueRequest) credential.Record {
	t.Helper()
	r, err := svc.Issue(context.Background(), score(672), req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func verify(t *testing.T, svc *credential.Service, token string) credential.Result {
	t.Helper()
	res, err := svc.Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestIssueAndVerify(t *testing.T) {
	svc, _ := newService(t)
	r := issue(t, svc, credential.IssueRequest{Kind: credential.KindBandAtLeast, Band: sesame.Good})
	res := verify(t, svc, r.Token)
	if !res.Valid || res.Reason != credential.Valid || !res.RevocationChecked {
		t.Fatalf("fresh credential: %+v", res)
	}
	st := res.Claims.Statement
	if st.Kind != credential.KindBandAtLeast || st.Band != sesame.Good || st.Score != 0 || st.AsOf != "2026-11-25" {
		t.Fatalf("statement = %+v; a band credential must not carry the score", st)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(r.Token, ".")[1])
	if strings.Contains(string(payload), "672") {
		t.Fatalf("band credential payload carries the score: %s", payload)
	}

	s := issue(t, svc, credential.IssueRequest{Kind: credential.KindScore})
	res = verify(t, svc, s.Token)
	if !res.Valid || res.Claims.Statement.Score != 672 || res.Claims.Statement.Band != sesame.VeryGood {
		t.Fatalf("score credential: %+v", res)
	}
}

func TestIssueRefusesOverclaims(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		s   *sesame.Score
		req credential.IssueRequest
	}{
		"higher band":  {score(672), credential.IssueRequest{Kind: credential.KindBandAtLeast, Band: sesame.Excellent}},
		"unknown band": {score(672), credential.IssueRequest{Kind: credential.KindBandAtLeast, Band: "superb"}},
		"unknown kind": {score(672), credential.IssueRequest{Kind: "everything"}},
		"too long":     {score(672), credential.IssueRequest{Kind: credential.KindScore, Validity: 400 * 24 * time.Hour}},
		"no score":     {&sesame.Score{Person: "bob", Status: sesame.StatusInsufficientHistory}, credential.IssueRequest{Kind: credential.KindScore}},
	} {
		_, err := svc.Issue(ctx, tc.s, tc.req)
		if code := sesame.ErrorCode(err); code != sesame.EINVALID && code != sesame.ECONFLICT {
			t.Errorf("%s: err = %v, want a clear 4xx error", name, err)
		}
	}
}

func TestRejections(t *testing.T) {
	svc, clk := newService(t)
	ctx := context.Background()
	good := issue(t, svc, credential.IssueRequest{Kind: credential.KindScore, Validity: 48 * time.Hour})
	parts := strings.Split(good.Token, ".")
	keys, _ := svc.Store.Keys(ctx)

	// altered payload: the score raised to 900, re-encoded, old signature kept.
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(raw, &claims)
	claims["stmt"].(map[string]any)["score"] = 900
	claims["stmt"].(map[string]any)["band"] = "excellent"
	forged, _ := json.Marshal(claims)
	altered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]

	header := func(alg, kid string) string {
		h, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"})
		return base64.RawURLEncoding.EncodeToString(h)
	}
	none := header("none", keys[0].KID) + "." + base64.RawURLEncoding.EncodeToString(forged) + "."
	// HS256 keyed with the public key: the classic algorithm-confusion forgery.
	hsInput := header("HS256", keys[0].KID) + "." + base64.RawURLEncoding.EncodeToString(forged)
	mac := hmac.New(sha256.New, keys[0].Public)
	mac.Write([]byte(hsInput))
	hs256 := hsInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	unknownKid := header("EdDSA", "19990101-nokey") + "." + parts[1] + "." + parts[2]

	revokedRec := issue(t, svc, credential.IssueRequest{Kind: credential.KindBandAtLeast})
	if err := svc.Revoke(ctx, "alice", revokedRec.ID); err != nil {
		t.Fatal(err)
	}

	for name, tc := range map[string]struct {
		token string
		want  credential.Reason
	}{
		"altered payload": {altered, credential.BadSignature},
		"alg none":        {none, credential.UnsupportedAlg},
		"alg HS256":       {hs256, credential.UnsupportedAlg},
		"unknown key":     {unknownKid, credential.UnknownKey},
		"revoked":         {revokedRec.Token, credential.Revoked},
		"garbage":         {"not-a-token", credential.Malformed},
		"empty":           {"", credential.Malformed},
		"truncated":       {parts[0] + "." + parts[1], credential.Malformed},
		"huge":            {strings.Repeat("a.", 5000), credential.Malformed},
	} {
		res := verify(t, svc, tc.token)
		if res.Valid || res.Reason != tc.want || res.Detail == "" {
			t.Errorf("%s: got %s (%q), want %s", name, res.Reason, res.Detail, tc.want)
		}
	}

	clk.t = clk.t.Add(49 * time.Hour)
	if res := verify(t, svc, good.Token); res.Valid || res.Reason != credential.Expired || !strings.Contains(res.Detail, "expired") {
		t.Errorf("expired: %+v", res)
	}
}

func TestRotationKeepsOldCredentialsVerifiable(t *testing.T) {
	svc, clk := newService(t)
	ctx := context.Background()
	old := issue(t, svc, credential.IssueRequest{Kind: credential.KindScore, Validity: 90 * 24 * time.Hour})
	clk.t = clk.t.Add(time.Hour)
	newKey, err := svc.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Hour)
	fresh := issue(t, svc, credential.IssueRequest{Kind: credential.KindScore})
	if fresh.KID != newKey.KID || old.KID == fresh.KID {
		t.Fatalf("after rotation: old kid %s, fresh kid %s, new key %s", old.KID, fresh.KID, newKey.KID)
	}
	for _, r := range []credential.Record{old, fresh} {
		if res := verify(t, svc, r.Token); !res.Valid {
			t.Fatalf("%s after rotation: %+v", r.KID, res)
		}
	}
	set, _ := svc.JWKS(ctx)
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want the retired and the active one", len(set.Keys))
	}
	// A credential claiming to be signed by the retired key after retirement is refused.
	keys, _ := svc.Store.Keys(ctx)
	var retired credential.StoredKey
	for _, k := range keys {
		if k.KID == old.KID {
			retired = k
		}
	}
	sealer, _ := credential.NewSealer(make([]byte, 32))
	priv, err := sealer.Open(retired.KID, retired.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	c := credential.Claims{Issuer: "x", Subject: "alice", ID: fresh.ID, IssuedAt: clk.t.Unix(), NotBefore: clk.t.Unix(), Expiry: clk.t.Add(time.Hour).Unix(),
		Statement: credential.Statement{Kind: credential.KindBandAtLeast, Band: sesame.Good, AsOf: "2026-11-25"}}
	late, _ := credential.Sign(c, retired.KID, priv)
	if res := verify(t, svc, late); res.Valid || res.Reason != credential.KeyRetired {
		t.Fatalf("late signature with retired key: %+v", res)
	}
	// Once every credential it signed has expired, the retired key is unpublished.
	clk.t = clk.t.Add(credential.MaxValidity + time.Hour)
	set, _ = svc.JWKS(ctx)
	if len(set.Keys) != 1 || set.Keys[0].KeyID != newKey.KID {
		t.Fatalf("JWKS long after rotation = %+v", set.Keys)
	}
}

func TestOfflineVerifyWithJWKS(t *testing.T) {
	svc, clk := newService(t)
	ctx := context.Background()
	r := issue(t, svc, credential.IssueRequest{Kind: credential.KindBandAtLeast})
	svc.Revoke(ctx, "alice", r.ID)
	set, _ := svc.JWKS(ctx)
	body, _ := json.Marshal(set)
	var parsed credential.PublishedKeys
	if err := json.Unmarshal(body, &parsed); err != nil {
		t.Fatal(err)
	}
	res := credential.Verify(r.Token, parsed, clk.t)
	if !res.Valid || res.RevocationChecked {
		t.Fatalf("offline: %+v (revocation cannot be known offline)", res)
	}
}

func TestSealerRejectsWrongKEK(t *testing.T) {
	s1, _ := credential.NewSealer(make([]byte, 32))
	other := make([]byte, 32)
	other[0] = 1
	s2, _ := credential.NewSealer(other)
	k, _, err := credential.NewKey(s1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Open(k.KID, k.Sealed); err == nil {
		t.Fatal("opened with the wrong KEK")
	}
	if _, err := s1.Open("other-kid", k.Sealed); err == nil {
		t.Fatal("opened under another kid")
	}
	if _, err := credential.NewSealer(make([]byte, 16)); err == nil {
		t.Fatal("accepted a short KEK")
	}
}

// TestRotateRefusesWrongKEK: rotating with a key encryption key that does
// not open the current signing key changes nothing (it would otherwise
// retire the key every other replica can use).
func TestRotateRefusesWrongKEK(t *testing.T) {
	store := &credential.MemStore{}
	right, _ := credential.NewSealer(make([]byte, 32))
	other := make([]byte, 32)
	other[0] = 1
	wrong, _ := credential.NewSealer(other)
	ctx := context.Background()
	if err := (&credential.Service{Store: store, Sealer: right}).EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := store.Keys(ctx)
	if _, err := (&credential.Service{Store: store, Sealer: wrong}).Rotate(ctx); err == nil || !strings.Contains(err.Error(), "does not open the current signing key") {
		t.Fatalf("rotate with the wrong KEK: %v", err)
	}
	after, _ := store.Keys(ctx)
	if len(after) != 1 || after[0].KID != before[0].KID || !after[0].RetiredAt.IsZero() {
		t.Fatalf("keys after a refused rotation: %+v, want %+v unchanged", after, before)
	}
	if _, err := (&credential.Service{Store: store, Sealer: right}).Rotate(ctx); err != nil {
		t.Fatalf("rotate with the right KEK: %v", err)
	}
}

func TestMemStoreContract(t *testing.T) {
	credentialtest.TestStore(t, func(*testing.T) credential.Store { return &credential.MemStore{} })
}

// TestVerifiedCleanBadge: the social badge's second claim is issued only
// when it holds, and its credential carries neither a score nor a band.
func TestVerifiedCleanBadge(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	s := score(672)
	s.Features = map[string]float64{"identity_verified": 1, "orders_unpaid": 0}
	r, err := svc.Issue(ctx, s, credential.IssueRequest{Kind: credential.KindVerifiedClean})
	if err != nil {
		t.Fatal(err)
	}
	res := verify(t, svc, r.Token)
	if !res.Valid || res.Claims.Statement.Kind != credential.KindVerifiedClean || res.Claims.Statement.Band != "" || res.Claims.Statement.Score != 0 {
		t.Fatalf("verified_clean credential: %+v", res)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(r.Token, ".")[1])
	if strings.Contains(string(payload), "672") || strings.Contains(string(payload), "very_good") {
		t.Fatalf("the badge credential carries the score or band: %s", payload)
	}
	// A score that counts self-added facts says so in every statement of it.
	s.SelfAdded = []sesame.SelfAdded{{ID: "add_1", Kind: sesame.AdditionVerifiedFact, Source: "registry", Label: "identity verified"}}
	marked, err := svc.Issue(ctx, s, credential.IssueRequest{Kind: credential.KindVerifiedClean})
	if err != nil {
		t.Fatal(err)
	}
	if res := verify(t, svc, marked.Token); !res.Valid || !res.Claims.Statement.SelfAdded {
		t.Fatalf("a statement of a score with self-added facts: %+v", res.Claims.Statement)
	}
	for name, f := range map[string]map[string]float64{"unverified": {"orders_unpaid": 0}, "unpaid order": {"identity_verified": 1, "orders_unpaid": 1}} {
		s.Features = f
		if _, err := svc.Issue(ctx, s, credential.IssueRequest{Kind: credential.KindVerifiedClean}); sesame.ErrorCode(err) != sesame.ECONFLICT {
			t.Errorf("%s: %v, want a conflict", name, err)
		}
	}
}

// TestOfflineVerifyHonoursKeyWindows: the published set gives each key its
// signing window (nbf, and exp once retired); an offline verifier holding
// only that set refuses a token the retired key signed after retirement,
// and one whose iat predates its key, as the issuer does online.
func TestOfflineVerifyHonoursKeyWindows(t *testing.T) {
	svc, clk := newService(t)
	ctx := context.Background()
	old := issue(t, svc, credential.IssueRequest{Kind: credential.KindBandAtLeast})
	clk.t = clk.t.Add(time.Hour)
	if _, err := svc.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	retiredAt := clk.t
	clk.t = clk.t.Add(time.Hour)
	set, _ := svc.JWKS(ctx)
	body, _ := json.Marshal(set)
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	json.Unmarshal(body, &raw)
	windows := map[string][2]any{}
	for _, k := range raw.Keys {
		windows[k["kid"].(string)] = [2]any{k["nbf"], k["exp"]}
	}
	if w := windows[old.KID]; w[0] == nil || w[1] != float64(retiredAt.Unix()) {
		t.Fatalf("the retired key's window in the JWKS: %v, want nbf and exp=%d; %s", w, retiredAt.Unix(), body)
	}
	var parsed credential.PublishedKeys
	if err := json.Unmarshal(body, &parsed); err != nil {
		t.Fatal(err)
	}

	keys, _ := svc.Store.Keys(ctx)
	sealer, _ := credential.NewSealer(make([]byte, 32))
	priv := map[string][]byte{}
	for _, k := range keys {
		p, err := sealer.Open(k.KID, k.Sealed)
		if err != nil {
			t.Fatal(err)
		}
		priv[k.KID] = p
	}
	signAt := func(kid string, iat time.Time) string {
		c := credential.Claims{Issuer: "x", Subject: "alice", ID: "late", IssuedAt: iat.Unix(), NotBefore: iat.Unix(), Expiry: iat.Add(24 * time.Hour).Unix(),
			Statement: credential.Statement{Kind: credential.KindBandAtLeast, Band: sesame.Good, AsOf: "2026-11-25"}}
		tok, err := credential.Sign(c, kid, priv[kid])
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	var newKID string
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			newKID = k.KID
		}
	}
	cases := []struct {
		name  string
		token string
		want  credential.Reason
	}{
		{"signed before retirement", old.Token, credential.Valid},
		{"retired key, signed after retirement", signAt(old.KID, retiredAt.Add(time.Minute)), credential.KeyRetired},
		{"retired key, signed at retirement", signAt(old.KID, retiredAt), credential.KeyRetired},
		{"retired key, a second before retirement", signAt(old.KID, retiredAt.Add(-time.Second)), credential.Valid},
		{"new key, backdated before it existed", signAt(newKID, retiredAt.Add(-time.Hour)), credential.KeyNotActive},
		{"new key, now", signAt(newKID, clk.t), credential.Valid},
	}
	for _, c := range cases {
		if res := credential.Verify(c.token, parsed, clk.t); res.Reason != c.want || res.Valid != (c.want == credential.Valid) {
			t.Errorf("%s offline: %s (%s), want %s", c.name, res.Reason, res.Detail, c.want)
		}
		if c.name != "signed before retirement" && c.want != credential.Valid {
			if res := credential.Verify(c.token, credential.StoredKeys(keys), clk.t); res.Valid {
				t.Errorf("%s: the issuer's own check accepts it", c.name)
			}
		}
	}
	// A set whose window is inverted is not a set to trust.
	if err := json.Unmarshal([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"k","nbf":200,"exp":100}]}`), &parsed); err == nil {
		t.Error("a key with exp before nbf was accepted")
	}
}

// TestStatusListRevocationOffline: a verifier holding only the JWKS and a
// status list fetched within its maximum age learns that a revoked
// credential is revoked and a live one is not, without asking the issuer
// about either; a stale list, another issuer's list or a list signed by
// an unpublished key leaves the status unknown (not valid).
func TestStatusListRevocationOffline(t *testing.T) {
	svc, clk := newService(t)
	ctx := context.Background()
	live := issue(t, svc, credential.IssueRequest{Kind: credential.KindBandAtLeast})
	gone := issue(t, svc, credential.IssueRequest{Kind: credential.KindScore})
	old := issue(t, svc, credential.IssueRequest{Kind: credential.KindScore})
	if *live.StatusIndex == *gone.StatusIndex {
		t.Fatal("two credentials share a status position")
	}
	if err := svc.Revoke(ctx, "alice", gone.ID); err != nil {
		t.Fatal(err)
	}
	list, err := svc.StatusList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status list of %d positions, 1 revoked: %d bytes", credential.StatusListSize, len(list))
	set, _ := svc.JWKS(ctx)
	body, _ := json.Marshal(set)
	var keys credential.PublishedKeys
	json.Unmarshal(body, &keys)
	check := func(token, statusList string, at time.Time) credential.Result {
		return credential.CheckStatus(credential.Verify(token, keys, at), statusList, keys, at, time.Hour)
	}
	if res := check(gone.Token, list, clk.t); res.Valid || res.Reason != credential.Revoked || !res.RevocationChecked {
		t.Errorf("revoked credential offline: %+v", res)
	}
	if res := check(live.Token, list, clk.t); !res.Valid || !res.RevocationChecked {
		t.Errorf("live credential offline: %+v", res)
	}
	if res := check(live.Token, list, clk.t.Add(2*time.Hour)); res.Valid || res.Reason != credential.StatusUnknown {
		t.Errorf("with a list older than the maximum age: %+v", res)
	}
	// Revoking after the list was made shows in the next list.
	svc.Revoke(ctx, "alice", old.ID)
	if res := check(old.Token, list, clk.t); !res.Valid {
		t.Errorf("the older list already knew of a later revocation: %+v", res)
	}
	next, _ := svc.StatusList(ctx)
	if res := check(old.Token, next, clk.t); res.Reason != credential.Revoked {
		t.Errorf("the next list does not show the revocation: %+v", res)
	}
	// Another issuer's list, and a list signed with a key not in the set.
	other, _ := newService(t)
	other.Issuer = "https://other.example"
	otherList, _ := other.StatusList(ctx)
	if res := check(live.Token, otherList, clk.t); res.Valid || res.Reason != credential.StatusUnknown {
		t.Errorf("a list signed by another issuer's key: %+v", res)
	}
	for _, bad := range []string{"", "not.a.jwt", live.Token} {
		if res := check(live.Token, bad, clk.t); res.Valid || res.Reason != credential.StatusUnknown {
			t.Errorf("status list %.20q: %+v", bad, res)
		}
	}
}
