package sesame

import (
	"context"
	"encoding/json"
	"time"
)

// Notice is a message Sesame owes someone: a person (their portal inbox),
// a partner or a source (their webhook). Notices are written to an outbox
// in the same transaction as the change they tell of, and delivered at
// least once; ID is the idempotency key a receiver uses to drop repeats.
type Notice struct {
	ID string `json:"id"`
	// Recipient is "person:ID", "partner:ID" or "source:ID".
	Recipient string          `json:"recipient"`
	Topic     string          `json:"topic"` // e.g. dispute.opened, dispute.answered, dispute.suppressed
	Body      json.RawMessage `json:"body"`
	CreatedAt time.Time       `json:"created_at"`
	// Delivery state, for the outbox: attempts made, when the next is due,
	// when one succeeded (zero: not yet), the last failure.
	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"-"`
	DeliveredAt time.Time `json:"delivered_at,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
}

// Recipient names.
func PersonRecipient(id string) string  { return "person:" + id }
func SourceRecipient(id string) string  { return "source:" + id }
func PartnerRecipient(id string) string { return "partner:" + id }

// Webhook is where a partner's or source's notices are POSTed, and the
// secret their HMAC-SHA256 signature is made with.
type Webhook struct {
	Recipient string `json:"recipient"`
	URL       string `json:"url"`
	Secret    string `json:"-"`
}

// Outbox keeps notices until they are delivered. Stores write notices in
// the transactions of the changes they tell of; a deliverer (package
// notice) takes the due ones to their webhooks.
type Outbox interface {
	// Notices lists a recipient's notices, newest first (a person's inbox).
	Notices(ctx context.Context, recipient string, limit int) ([]Notice, error)
	// NoticesAfter returns up to limit of a recipient's notices that come
	// after after, newest first (by CreatedAt, then ID ascending).
	NoticesAfter(ctx context.Context, recipient string, after Position, limit int) ([]Notice, error)
	// Due returns up to limit undelivered notices whose recipient has a
	// webhook and whose next attempt is due at now, oldest first.
	Due(ctx context.Context, now time.Time, limit int) ([]Notice, error)
	// Delivered records a successful delivery.
	Delivered(ctx context.Context, id string, at time.Time) error
	// Failed records a failed attempt and when to try again (zero: never).
	Failed(ctx context.Context, id string, next time.Time, reason string) error
	SetWebhook(ctx context.Context, w Webhook) error
	// Webhook returns the recipient's webhook; ENOTFOUND when none.
	Webhook(ctx context.Context, recipient string) (Webhook, error)
}
