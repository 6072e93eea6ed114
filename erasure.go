package sesame

import (
	"context"
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

// Eraser erases everything held about a person: events, scores and their
// history, feature state, consents and consent requests, sessions and login
// links, decisions, disputes, notices, self-added facts and badge choices;
// credentials are revoked and stripped to their revocation slot. The
// person's access-log entries keep only their hashes, so the log still
// verifies, and an erasure entry records the step. Erasing a person with
// nothing held still records the step. Actor is "person" when the person
// asked, "operator:NAME" otherwise.
type Eraser interface {
	ErasePerson(ctx context.Context, person, actor string, at time.Time) (*Erasure, error)
}
