package sesame

import (
	"context"
	"strings"
	"time"
)

// Dispute is a person's challenge of one of their events, and where it
// stands. The source that sent the event must answer before the deadline —
// 30 days, 45 when the person adds information (FCRA §611) — that the
// event is verified, corrected (by a new event) or deleted; a dispute still
// unanswered at its deadline takes the event out of scoring (suppressed),
// as an unverifiable record is. While a dispute is open, partners' reads
// about the person say so. The person opens disputes and sees them; the
// source sees and answers those about its events; operators see all.
type Dispute struct {
	Source   string        `json:"source"`
	EventID  string        `json:"event_id"`
	Person   string        `json:"person"`
	Reason   string        `json:"reason"`
	Evidence string        `json:"evidence,omitempty"`
	Status   DisputeStatus `json:"status"`
	OpenedAt time.Time     `json:"opened_at"`
	Deadline time.Time     `json:"deadline"`
	// AnsweredAt is when the source answered or the deadline passed; zero
	// while open.
	AnsweredAt time.Time `json:"answered_at,omitempty"`
	// Note is the source's answer in words.
	Note string `json:"note,omitempty"`
}

// DisputeStatus is where a dispute stands.
type DisputeStatus string

const (
	DisputeOpen      DisputeStatus = "open"
	DisputeVerified  DisputeStatus = "verified"   // the source stands by the event: it counts
	DisputeCorrected DisputeStatus = "corrected"  // the source sent a corrected event; the disputed one no longer counts
	DisputeDeleted   DisputeStatus = "deleted"    // the source withdrew the event
	DisputeExpired   DisputeStatus = "suppressed" // unanswered at the deadline: taken out of scoring
)

// Dispute deadlines: a source has DisputeWindow to answer, DisputeWindowWithInfo
// when the person adds information.
const (
	DisputeWindow         = 30 * 24 * time.Hour
	DisputeWindowWithInfo = 45 * 24 * time.Hour
)

// Counts reports whether the disputed event still counts in scoring.
func (d *Dispute) Counts() bool {
	switch d.Status {
	case DisputeCorrected, DisputeDeleted, DisputeExpired:
		return false
	}
	return true
}

// ValidAnswer reports whether a source may answer a dispute with s.
func (s DisputeStatus) ValidAnswer() bool {
	return s == DisputeVerified || s == DisputeCorrected || s == DisputeDeleted
}

// DisputeStore keeps disputes. The ledger stays append-only: a dispute is
// recorded beside its event, and scoring reads of the ledger (EventFilter
// ForScoring, EventScanner) leave out the events whose dispute took them
// out (Dispute.Counts).
type DisputeStore interface {
	// OpenDispute opens a dispute about the person's event, with a deadline
	// of DisputeWindow (DisputeWindowWithInfo when evidence is given).
	// ENOTFOUND when the event is not the person's; the dispute already
	// open on the event is returned unchanged (a retry is safe), and an
	// answered one is a conflict.
	OpenDispute(ctx context.Context, person string, key EventKey, reason, evidence string, at time.Time) (Dispute, error)
	// AddEvidence adds the person's information to an open dispute and
	// moves its deadline to DisputeWindowWithInfo after it was opened.
	AddEvidence(ctx context.Context, person string, key EventKey, evidence string, at time.Time) (Dispute, error)
	// AnswerDispute records the source's answer to an open dispute about
	// one of its events (ENOTFOUND for another source's, ECONFLICT when no
	// longer open).
	AnswerDispute(ctx context.Context, key EventKey, answer DisputeStatus, note string, at time.Time) (Dispute, error)
	// ExpireDisputes suppresses every dispute still open at its deadline
	// (deadline ≤ now) and returns them.
	ExpireDisputes(ctx context.Context, now time.Time) ([]Dispute, error)
	// DisputesAfter returns up to limit of a person's disputes (person
	// set) or a source's (source set) that come after after, newest first
	// (by OpenedAt, then source and event id ascending; a dispute's place
	// is its Position, and the zero Position reads from the newest). A
	// source's list grows without bound, so it is read a page at a time.
	DisputesAfter(ctx context.Context, person, source string, after Position, limit int) ([]Dispute, error)
	// HasOpenDispute reports whether the person has a dispute still open
	// (partners' reads about them then say disputed).
	HasOpenDispute(ctx context.Context, person string) (bool, error)
}

// Position is the dispute's place in a list of disputes (DisputesAfter):
// its opening time, then its event's source and id.
func (d *Dispute) Position() Position {
	return Position{At: d.OpenedAt, ID: d.Source + "\x00" + d.EventID}
}

// DisputeKey is the event key of a dispute's Position (Dispute.Position):
// the source and event id it ends at. Ids never hold a NUL (ValidID), so
// the split is exact.
func DisputeKey(p Position) EventKey {
	source, id, _ := strings.Cut(p.ID, "\x00")
	return EventKey{Source: source, ID: id}
}
