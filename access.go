package sesame

import (
	"context"
	"time"
)

// Access outcomes.
const (
	AccessAllowed = "allowed"
	AccessDenied  = "denied"
)

// AccessEntry is one attempt by someone other than the person to read their
// score or a decision about them, allowed or not. Entries form a hash
// chain: each commits to the one before, so that an edited, removed or
// reordered entry is detected (package audit).
type AccessEntry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Person   string    `json:"person"`
	Actor    string    `json:"actor"`     // "partner:ID" or "operator:NAME"
	Action   string    `json:"action"`    // score.read, threshold.check, decision.create, decision.read
	Scope    Scope     `json:"scope"`     // the scope the read needed
	Purpose  Purpose   `json:"purpose"`   // of the consent used, or asked for
	Consent  string    `json:"consent"`   // the consent that allowed it, "" when denied
	Outcome  string    `json:"outcome"`   // allowed | denied
	Reason   string    `json:"reason"`    // why it was denied, or what was answered
	PrevHash string    `json:"prev_hash"` // hex SHA-256 of the previous entry ("" for the first)
	Hash     string    `json:"hash"`      // hex SHA-256 of this entry, PrevHash included
}

// AccessLog is the append-only store of access entries. Append sets Seq,
// PrevHash and Hash.
type AccessLog interface {
	AppendAccess(ctx context.Context, e *AccessEntry) error
	// AccessEntries returns a person's entries, newest first.
	AccessEntries(ctx context.Context, person string, limit int) ([]*AccessEntry, error)
	// ScanAccess calls fn with every entry in chain order.
	ScanAccess(ctx context.Context, fn func(e *AccessEntry) error) error
}
