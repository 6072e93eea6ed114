package sesame

import (
	"bytes"
	"context"
	"time"
)

// EnvelopeVersion is the version of the event envelope this build reads and
// writes. An event without "v" is read as version 1.
const EnvelopeVersion = 1

// MaxClockSkew is how far in the future an event's occurred_at may lie: the
// sources' clocks are not ours, but a fact cannot be recorded before it happens.
const MaxClockSkew = 5 * time.Minute

// Event is one immutable fact about a person from a source. Sources append
// events; nobody edits or deletes them (a correction is a new event, a
// dispute is recorded beside the event). (Source, ID) is the idempotency key:
// sending the same event again is a no-op, sending a different body under the
// same key is a conflict.
type Event struct {
	Version    int       `json:"v"`
	Source     string    `json:"source"`
	ID         string    `json:"id"`
	Person     string    `json:"person"`
	Kind       Kind      `json:"kind"`
	OccurredAt time.Time `json:"occurred_at"`
	// RecordedAt is set by the ledger when the event is stored; a source
	// cannot set it. Point-in-time features use it to exclude facts that were
	// not yet known at the as-of time.
	RecordedAt time.Time `json:"recorded_at,omitzero"`
	Payload    Payload   `json:"payload"`
}

// Key returns the event's idempotency key.
func (e *Event) Key() EventKey { return EventKey{Source: e.Source, ID: e.ID} }

// EventKey identifies an event: unique per source.
type EventKey struct {
	Source string `json:"source"`
	ID     string `json:"id"`
}

// Validate checks the envelope and the payload against now (for the clock
// skew rule). It returns an *Error with code EINVALID listing every bad field.
func (e *Event) Validate(now time.Time) error {
	v := &validator{}
	e.validate(v, now)
	return v.err("invalid event")
}

func (e *Event) validate(v *validator, now time.Time) {
	if e.Version != EnvelopeVersion {
		v.add("v", "unsupported envelope version; this server reads version 1")
	}
	v.id("source", e.Source)
	v.id("id", e.ID)
	v.id("person", e.Person)
	switch {
	case e.OccurredAt.IsZero():
		v.add("occurred_at", "is required (RFC 3339 with a zone, e.g. 2026-11-25T09:30:00+08:00)")
	case e.OccurredAt.After(now.Add(MaxClockSkew)):
		v.add("occurred_at", "lies in the future (more than 5 minutes ahead of the server clock)")
	case e.OccurredAt.Year() < 1900:
		v.add("occurred_at", "is before 1900")
	}
	if !e.Kind.Known() {
		v.add("kind", "unknown kind "+quote(string(e.Kind))+"; see docs/events.md for the list")
		return
	}
	if e.Payload == nil {
		v.add("payload", "is required for kind "+string(e.Kind))
		return
	}
	if want := kindPayloads[e.Kind]().(Payload); !samePayloadType(want, e.Payload) {
		v.add("payload", "does not match kind "+string(e.Kind))
		return
	}
	e.Payload.validate(&validator{parent: v, prefix: "payload."}, e)
}

// EventStore is the append-only ledger. Implementations (sqlite, postgres)
// must pass the contract tests in package ledgertest.
type EventStore interface {
	// Append stores the events that are new, in order, in one durable
	// transaction: when Append returns nil, every Accepted event survives a
	// crash. Results are in the order of events. Events must be valid; the
	// store sets RecordedAt on the accepted ones.
	Append(ctx context.Context, events []Event) ([]AppendResult, error)
	// Events returns one page of a person's events, oldest first (by
	// occurred_at, then by ledger sequence).
	Events(ctx context.Context, f EventFilter) (EventPage, error)
}

// PreparingAppender is what an EventStore may offer so that a batch's
// preparation (canonical encoding, fingerprints) is done before its turn
// at the store's writer: a loader prepares the next batch while the store
// writes the one before. AppendPrepared(PrepareAppend(events)) does what
// Append(events) does.
type PreparingAppender interface {
	PrepareAppend(events []Event) (PreparedEvents, error)
	AppendPrepared(ctx context.Context, p PreparedEvents) ([]AppendResult, error)
}

// PreparedEvents is a batch prepared by a PreparingAppender, for that
// store only.
type PreparedEvents interface {
	Events() []Event
}

// AppendStatus says what the ledger did with one event of a batch.
type AppendStatus string

const (
	Accepted  AppendStatus = "accepted"  // stored now
	Duplicate AppendStatus = "duplicate" // the same (source, id) with the same body was already stored: nothing written
	Conflict  AppendStatus = "conflict"  // the same (source, id) was stored with a different body: nothing written
	Rejected  AppendStatus = "rejected"  // invalid: nothing written (set by decoders, never by a store)
	Erased    AppendStatus = "erased"    // the person was erased: nothing written, now or later (ErasureKey)
)

// AppendResult is the outcome for one event of a batch.
type AppendResult struct {
	Status     AppendStatus `json:"status"`
	RecordedAt time.Time    `json:"recorded_at,omitzero"` // when the event was (first) recorded
}

// KeptResult is the outcome for an event whose (source, id) a store
// already holds, recorded at recordedAt with fingerprint stored: a
// duplicate when the event's fingerprint is the same, else a conflict.
func KeptResult(stored, fingerprint []byte, recordedAt time.Time) AppendResult {
	if bytes.Equal(stored, fingerprint) {
		return AppendResult{Status: Duplicate, RecordedAt: recordedAt}
	}
	return AppendResult{Status: Conflict, RecordedAt: recordedAt}
}

// EventFilter selects a page of one person's events. Zero values mean "any".
type EventFilter struct {
	Person string
	Kinds  []Kind
	From   time.Time // occurred_at >= From
	To     time.Time // occurred_at < To
	// RecordedBefore, when set, excludes events recorded at or after it: the
	// ledger as it was known at that time.
	RecordedBefore time.Time
	// ForScoring leaves out the events a dispute took out of scoring
	// (Dispute.Counts): what the score service reads.
	ForScoring bool
	Cursor     string // opaque, from EventPage.Next
	Limit      int    // 0 means the store's default (100); capped at 1000
}

// EventPage is one page of events and the cursor of the next page ("" at the end).
type EventPage struct {
	Events []Event `json:"events"`
	Next   string  `json:"next,omitempty"`
}

// EventScanner reads the whole ledger person by person, for training-set
// builds and full rescoring. Stores implement it next to EventStore.
type EventScanner interface {
	// ScanPeople calls fn once per person, in ascending person order, with all
	// of that person's events recorded before recordedBefore (zero: all),
	// oldest first, leaving out those a dispute took out of scoring. fn must not keep events after it returns. Persons greater
	// than after are visited (after "" starts at the beginning), which lets a
	// long scan resume from a checkpoint.
	ScanPeople(ctx context.Context, after string, recordedBefore time.Time, fn func(person string, events []Event) error) error
}
