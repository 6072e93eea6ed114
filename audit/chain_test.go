package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// hashPerField is Hash as first written, a write to the digest per field:
// the chain's hashes must never change, or every stored log would fail
// verification.
func hashPerField(prev string, e *sesame.AccessEntry) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	for _, s := range []string{"sesame.access.v1", prev, strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At.UTC().UnixNano(), 10),
		e.Person, e.Actor, e.Action, string(e.Scope), string(e.Purpose), e.Consent, e.Outcome, e.Reason} {
		field(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestHashUnchanged(t *testing.T) {
	entries := []*sesame.AccessEntry{
		{},
		{Seq: 1, At: time.Unix(0, 1), Person: "p1", Actor: "partner:acme", Action: "score.read", Scope: sesame.ScopeScore,
			Purpose: sesame.PurposeLoan, Consent: "con_1", Outcome: sesame.AccessAllowed, Reason: "score"},
		{Seq: -5, At: time.Date(2026, 11, 26, 9, 0, 0, 123, time.FixedZone("x", 3600)), Person: "p", Reason: strings.Repeat("long reason ", 100)},
	}
	// One past the stack buffer, too.
	entries = append(entries, &sesame.AccessEntry{Seq: 1 << 40, Reason: strings.Repeat("é", 400)})
	for i, e := range entries {
		for _, prev := range []string{"", "ab12", strings.Repeat("f", 64)} {
			if got, want := Hash(prev, e), hashPerField(prev, e); got != want {
				t.Errorf("entry %d, prev %q: %s, want %s", i, prev, got, want)
			}
		}
	}
}

// benchHash hashes a typical entry (an operator's score read) with hash.
func benchHash(b *testing.B, hash func(string, *sesame.AccessEntry) string) {
	e := &sesame.AccessEntry{Seq: 123456, At: time.Now(), Person: "p00001234", Actor: "operator:ops", Action: "operator.read",
		Scope: sesame.ScopeFull, Outcome: sesame.AccessAllowed, Reason: "score"}
	prev := strings.Repeat("a", 64)
	for b.Loop() {
		hash(prev, e)
	}
}

func BenchmarkHash(b *testing.B) { benchHash(b, Hash) }

// BenchmarkHashPerField: the first Hash, side by side.
func BenchmarkHashPerField(b *testing.B) { benchHash(b, hashPerField) }
