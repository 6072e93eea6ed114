package auth

import (
	"context"

	"github.com/sesame-credit/sesame"
)

// ContactEvents is the ledger with one addition: an identity event that
// carries a verified e-mail address or phone number (identity.reported's
// verified_email, verified_phone) files it as the person's contact, so
// that people whom a partner or source knows can log in with what they
// know. Every way events arrive (HTTP, NATS, files, imports) goes through
// the store, so wrapping it maps them all.
//
// The contact is set after the events are stored and before Append
// returns: an acknowledged event's contact is on file, and an event whose
// Append was cut short is sent again by its sender, found a duplicate, and
// its contact set then. A contact the person later moved (or an operator
// removed) is set again only if that same event arrives again.
type ContactEvents struct {
	sesame.EventStore
	Contacts ContactStore
}

// Append stores events, then files the verified contacts of the accepted
// and duplicate ones.
func (c ContactEvents) Append(ctx context.Context, events []sesame.Event) ([]sesame.AppendResult, error) {
	res, err := c.EventStore.Append(ctx, events)
	if err != nil {
		return res, err
	}
	return res, c.file(ctx, events, res)
}

// PrepareAppend lets a loader prepare batches ahead when the ledger can
// (sesame.PreparingAppender); otherwise the batch is kept as it is.
func (c ContactEvents) PrepareAppend(events []sesame.Event) (sesame.PreparedEvents, error) {
	if pa, ok := c.EventStore.(sesame.PreparingAppender); ok {
		p, err := pa.PrepareAppend(events)
		return prepared{p, events}, err
	}
	return prepared{nil, events}, nil
}

// AppendPrepared is Append for a batch from PrepareAppend.
func (c ContactEvents) AppendPrepared(ctx context.Context, p sesame.PreparedEvents) ([]sesame.AppendResult, error) {
	pp, ok := p.(prepared)
	if !ok {
		return nil, sesame.Errorf(sesame.EINTERNAL, "auth: a batch prepared by another store")
	}
	if pp.inner == nil {
		return c.Append(ctx, pp.events)
	}
	res, err := c.EventStore.(sesame.PreparingAppender).AppendPrepared(ctx, pp.inner)
	if err != nil {
		return res, err
	}
	return res, c.file(ctx, pp.events, res)
}

type prepared struct {
	inner  sesame.PreparedEvents
	events []sesame.Event
}

func (p prepared) Events() []sesame.Event { return p.events }

// file sets the contacts of the stored events, in their order (a later
// event moves an identifier an earlier one gave another person).
func (c ContactEvents) file(ctx context.Context, events []sesame.Event, res []sesame.AppendResult) error {
	for i := range events {
		if i >= len(res) || (res[i].Status != sesame.Accepted && res[i].Status != sesame.Duplicate) {
			continue
		}
		id, ok := events[i].Payload.(*sesame.IdentityReported)
		if !ok || (id.VerifiedEmail == "" && id.VerifiedPhone == "") {
			continue
		}
		for _, who := range []string{id.VerifiedEmail, id.VerifiedPhone} {
			ident, kind, ok := NormalizeContact(who)
			if !ok {
				continue // validation let through nothing else; "" lands here
			}
			at := res[i].RecordedAt
			if at.IsZero() {
				at = events[i].OccurredAt
			}
			if err := c.Contacts.SetContact(ctx, Contact{Identifier: ident, Kind: kind, Person: events[i].Person, CreatedAt: at.UTC()}); err != nil {
				return err
			}
		}
	}
	return nil
}
