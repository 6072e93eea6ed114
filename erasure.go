package sesame

import (
	"context"
	"crypto/sha256"
	"time"
)

// Erasure is the receipt of a person's erasure (GDPR Art. 17): what was
// deleted, and the access-log entry that records it. It names the person
// only in Person, which is never stored.
type Erasure struct {
	Person string    `json:"-"`
	At     time.Time `json:"at"`
	// Receipt is the erasure entry's Person field ("erasure:…"): the one
	// handle on the erasure that is kept, since the person's id is not.
	Receipt   string `json:"receipt"`
	AccessSeq int64  `json:"access_seq"` // the erasure entry's seq in the access log
	// Deleted counts the rows removed (or blanked) per kind of data.
	Deleted map[string]int64 `json:"deleted"`
	// AccessErased counts the person's access-log entries blanked to their hash.
	AccessErased int `json:"access_entries_erased"`
}

// ErasureKey is what an erased person is remembered by: the SHA-256 of
// their id. Stores keep it so that events arriving after the erasure (a
// message still in the stream, a source resending) are refused, not
// stored again, while the list itself names no one in clear.
func ErasureKey(person string) []byte {
	k := sha256.Sum256([]byte("sesame erased person\x00" + person))
	return k[:]
}

// Eraser erases everything held about a person: events, scores and their
// history, a challenger's shadow scores, feature state, consents and
// consent requests, sessions and login links, decisions, disputes,
// notices, self-added facts and badge choices; credentials are revoked and
// stripped to their revocation slot. The person's access-log entries keep
// only their hashes, so the log still verifies, and an erasure entry
// records the step. The person's ErasureKey is kept, in the same
// transaction: events for them are refused from then on (AppendStatus
// Erased). Erasing a person with nothing held still records the step.
// Actor is "person" when the person asked, "operator:NAME" otherwise.
type Eraser interface {
	ErasePerson(ctx context.Context, person, actor string, at time.Time) (*Erasure, error)
}
