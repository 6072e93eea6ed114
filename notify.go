package sesame

import (
	"context"
	"time"
)

// Notice topics besides the dispute steps.
const (
	TopicAccess          = "access.partner"   // a partner read, or tried to read, the person's data
	TopicScoreChanged    = "score.changed"    // the score moved by the configured points or more
	TopicConsentExpiring = "consent.expiring" // a consent ends within the warning period
)

// ScoreChange is one stored score with the person's score before it.
type ScoreChange struct {
	Seq      int64     `json:"seq"`
	Person   string    `json:"person"`
	From, To int       `json:"-"`
	AsOf     time.Time `json:"as_of"`
}

// NoticeFeed is what notices of accesses, score changes and expiring
// consents are derived from: changes already committed, read after a
// cursor kept in the store. A notice's id is derived from its change, so a
// notifier that crashes and reads again writes no notice twice, and none
// is lost between a change and its notice.
type NoticeFeed interface {
	// NoticeCursor returns the position a feed was read to; a feed never
	// read starts at the store's current end, so that history raises no
	// notices.
	NoticeCursor(ctx context.Context, feed string) (pos int64, err error)
	// AccessAfter returns up to limit access entries with seq > after, in order.
	AccessAfter(ctx context.Context, after int64, limit int) ([]*AccessEntry, error)
	// ScoreChangesAfter returns up to limit scored rows of the score history
	// with seq > after, in order, each with the person's previous scored
	// row's score (From 0 when none).
	ScoreChangesAfter(ctx context.Context, after int64, limit int) ([]ScoreChange, error)
	// ConsentsExpiring returns the consents not revoked whose expiry lies
	// in (from, to].
	ConsentsExpiring(ctx context.Context, from, to time.Time) ([]*Consent, error)
	// EnqueueNotices stores the notices whose ids are not stored yet and,
	// when feed is not "", moves its cursor to pos, in one transaction.
	EnqueueNotices(ctx context.Context, feed string, pos int64, ns []Notice) error
}

// MailItem is a notice to mail and the address it goes to.
type MailItem struct {
	Notice  Notice
	Address string
}

// MailStore keeps recipients' e-mail addresses and which notices were
// mailed. Only notices made after an address was set are mailed to it, so
// setting one does not mail the whole history.
type MailStore interface {
	// SetMailAddress sets (or, with "", removes) a recipient's address.
	SetMailAddress(ctx context.Context, recipient, address string, at time.Time) error
	// MailAddress returns a recipient's address ("" when none is set).
	MailAddress(ctx context.Context, recipient string) (string, error)
	// MailDue returns up to limit notices not mailed yet to recipients with
	// an address, oldest first.
	MailDue(ctx context.Context, limit int) ([]MailItem, error)
	// Mailed records that a notice was handed to the mail server.
	Mailed(ctx context.Context, id string, at time.Time) error
}
