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
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Person  string    `json:"person"`
	Actor   string    `json:"actor"`   // "partner:ID" or "operator:NAME"
	Action  string    `json:"action"`  // score.read, threshold.check, decision.create, decision.read
	Scope   Scope     `json:"scope"`   // the scope the read needed
	Purpose Purpose   `json:"purpose"` // of the consent used, or asked for
	Consent string    `json:"consent"` // the consent that allowed it, "" when denied
	Outcome string    `json:"outcome"` // allowed | denied
	Reason  string    `json:"reason"`  // why it was denied, or what was answered
	// PersonPrev is the seq of the person's entry before this one (0 for
	// their first): each person's entries form a chain of their own inside
	// the global one, so a person's view misses no entry unnoticed.
	PersonPrev int64  `json:"person_prev"`
	PrevHash   string `json:"prev_hash"` // hex SHA-256 of the previous entry ("" for the first)
	Hash       string `json:"hash"`      // hex SHA-256 of this entry, PrevHash included
	// Part, when not 0, is the partition of the log the entry was appended
	// to (PostgreSQL: by the person's hash, so that appends to different
	// partitions do not wait for each other). Its PrevHash is then that of
	// the partition's previous entry, whose seq is ChainPrev (0 for the
	// first); with Part 0 the previous entry is the one before in seq order.
	Part      int   `json:"part,omitempty"`
	ChainPrev int64 `json:"chain_prev,omitempty"`
	// ErasedBy, when not 0, is the seq of the erasure entry that blanked
	// this one: its person's data was erased, and only its hash, links and
	// seq remain, so the chain and the tree still verify (audit.Erase).
	ErasedBy int64 `json:"erased_by,omitempty"`
}

// AccessLog is the append-only store of access entries: a hash chain whose
// entries are also the leaves of a Merkle tree (RFC 9162; package audit
// computes the hashes and proofs, the engines keep them). Anyone who reads
// a person's data appends an entry first; the person and auditors read.
type AccessLog interface {
	// AppendAccess sets e's Seq, PersonPrev, PrevHash and Hash and returns
	// once the entry is committed and synced: a read may be answered then.
	AppendAccess(ctx context.Context, e *AccessEntry) error
	// AccessEntries returns a person's entries, newest first.
	AccessEntries(ctx context.Context, person string, limit int) ([]*AccessEntry, error)
	// AccessEntriesBefore returns up to limit of a person's entries with a
	// seq below before (0: no bound), newest first: a page of any length
	// of log.
	AccessEntriesBefore(ctx context.Context, person string, before int64, limit int) ([]*AccessEntry, error)
	// ScanAccess calls fn with every entry in chain order.
	ScanAccess(ctx context.Context, fn func(e *AccessEntry) error) error
	// AccessTree returns the number of entries in the log and the stored
	// hashes of the tree nodes asked for; a node not stored is absent.
	AccessTree(ctx context.Context, nodes []TreeNode) (size int64, hashes map[TreeNode][]byte, err error)
	// ScanAccessTree calls fn with every stored tree node.
	ScanAccessTree(ctx context.Context, fn func(n TreeNode, hash []byte) error) error
	// SaveAccessHead keeps a signed head; every one is kept.
	SaveAccessHead(ctx context.Context, h *SignedHead) error
	// AccessHeads returns up to limit signed heads, newest first.
	AccessHeads(ctx context.Context, limit int) ([]*SignedHead, error)
	// AccessHeadsAfter returns up to limit signed heads that come after
	// the one signed at at with size size (zero at: from the newest), newest
	// first (by At, then Size, both descending).
	AccessHeadsAfter(ctx context.Context, at time.Time, size int64, limit int) ([]*SignedHead, error)
}

// TreeNode names a complete subtree of the access log's Merkle tree: the
// one at Level (0 for a leaf) covering leaves [Index<<Level, (Index+1)<<Level).
type TreeNode struct {
	Level uint8
	Index int64
}

// SignedHead is the server's signed statement that the access log had Size
// entries with Merkle root Root at At (RFC 9162's signed tree head). Heads
// are published; anyone who kept one can later show the log was cut or
// rewritten.
type SignedHead struct {
	Size      int64     `json:"size"`
	At        time.Time `json:"at"`
	Root      string    `json:"root"`       // hex
	PublicKey string    `json:"public_key"` // base64 Ed25519
	Signature string    `json:"signature"`  // base64 Ed25519 over audit.HeadMessage
	// NextKey, on a key rotation's head, is the key that signs heads from
	// then on (base64 Ed25519), vouched for by PublicKey's signature.
	NextKey string `json:"next_key,omitempty"`
}
