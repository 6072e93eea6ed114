package credential_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/credential"
)

// FuzzVerify: no input makes Verify panic or accept, and every rejection
// has a reason and a message.
func FuzzVerify(f *testing.F) {
	sealer, _ := credential.NewSealer(make([]byte, 32))
	k, priv, _ := credential.NewKey(sealer, time.Unix(1_790_000_000, 0))
	good, _ := credential.Sign(credential.Claims{Issuer: "x", Subject: "alice", ID: "id", IssuedAt: 1_790_000_000, NotBefore: 1_790_000_000,
		Expiry: 1_800_000_000, Statement: credential.Statement{Kind: credential.KindBandAtLeast, Band: "good", AsOf: "2026-11-25"}}, k.KID, priv)
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
		if res.Valid && strings.TrimSpace(token) != good {
			// Another encoding of the same signed bytes would be a forgery path.
			t.Fatalf("accepted a token that is not the one signed: %q", token)
		}
	})
}
