package credential_test

import (
	"testing"
	"time"

	"github.com/sesame-credit/sesame/credential"
)

// FuzzVerify: no input makes Verify panic or accept, and every rejection
// has a reason and a message.
func FuzzVerify(f *testing.F) {
	sealer, _ := credential.NewSealer(make([]byte, 32))
	k, priv, _ := credential.NewKey(sealer, time.Unix(1_790_000_000, 0))
	signed := credential.Claims{Issuer: "x", Subject: "alice", ID: "id", IssuedAt: 1_790_000_000, NotBefore: 1_790_000_000,
		Expiry: 1_800_000_000, Statement: credential.Statement{Kind: credential.KindBandAtLeast, Band: "good", AsOf: "2026-11-25"}}
	good, _ := credential.Sign(signed, k.KID, priv)
	for _, s := range []string{good, "", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", good + "x", good[:len(good)-3]} {
		f.Add(s)
	}
	keys := credential.StoredKeys{k}
	now := time.Unix(1_795_000_000, 0)
	f.Fuzz(func(t *testing.T, token string) {
		res := credential.Verify(token, keys, now)
		if res.Reason == "" || res.Detail == "" {
			t.Fatalf("no reason for %q: %+v", token, res)
		}
		// Only what was signed may be accepted. (A token may differ from the
		// signed one in ignored base64 padding bits or surrounding space and
		// still carry exactly the signed claims; that is not a forgery.)
		if res.Valid && (res.Claims == nil || *res.Claims != signed) {
			t.Fatalf("accepted claims that were not signed: %q → %+v", token, res.Claims)
		}
	})
}
