package sesame

import (
	"context"
	"time"
)

// Kinds of addition a person can make to their own record.
const (
	// AdditionBillAccount links a utility, phone or streaming account whose
	// bills the source reports.
	AdditionBillAccount = "bill_account"
	// AdditionVerifiedFact is a fact the source has verified: an identity
	// check, an education, an employment.
	AdditionVerifiedFact = "verified_fact"
)

// AdditionRequest is what a person asks to add: a bill account at a source
// (Account is the person's account reference there) or a fact the source
// verifies (Fact, e.g. "identity", "education:bachelor").
type AdditionRequest struct {
	Source  string `json:"source"`
	Kind    string `json:"kind"`
	Account string `json:"account,omitempty"`
	Fact    string `json:"fact,omitempty"`
}

// Validate returns EINVALID naming every bad field.
func (r AdditionRequest) Validate() error {
	v := &validator{}
	v.id("source", r.Source)
	switch r.Kind {
	case AdditionBillAccount:
		v.id("account", r.Account)
		if r.Fact != "" {
			v.add("fact", "only for kind verified_fact")
		}
	case AdditionVerifiedFact:
		v.id("fact", r.Fact)
		if r.Account != "" {
			v.add("account", "only for kind bill_account")
		}
	default:
		v.add("kind", "use bill_account or verified_fact")
	}
	return v.err("the addition is not valid")
}

// Addition is something a person added to their own record through a
// source that vouches for it (Experian Boost's bills, Zhima's supplementary
// information). Its events are marked self-added: they are kept with the
// addition, never in the sources' ledger, count only while the person keeps
// the addition, and can only raise the score (see docs/model.md). Only the
// person adds and removes one; partners see that a score includes them.
type Addition struct {
	ID        string    `json:"id"`
	Person    string    `json:"person"`
	Kind      string    `json:"kind"`
	Source    string    `json:"source"`
	Label     string    `json:"label"` // what the source vouched for, in words
	AddedAt   time.Time `json:"added_at"`
	RemovedAt time.Time `json:"removed_at,omitzero"`
	// Gain is the points the score rose by when the addition was made (0
	// when it did not raise it; it never lowers it).
	Gain int `json:"gain"`
	// Events are the facts the source vouched for.
	Events []Event `json:"events,omitempty"`
}

// Kept reports whether the addition counts (the person has not removed it).
func (a *Addition) Kept() bool { return a.RemovedAt.IsZero() }

// SelfAdded is an addition as a score names it: partners reading the score
// see what in it the person added.
type SelfAdded struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Source string `json:"source"`
	Label  string `json:"label"`
}

// Voucher is a source that vouches for what a person adds: it looks up the
// account or checks the fact and returns the events it stands behind, and
// a label saying what they are. The simulator plays one.
type Voucher interface {
	Vouch(ctx context.Context, person string, req AdditionRequest, now time.Time) (label string, events []Event, err error)
}

// AdditionStore keeps people's additions with their events.
type AdditionStore interface {
	// AddAddition stores a new addition (ECONFLICT when the id exists).
	AddAddition(ctx context.Context, a *Addition) error
	// SetAdditionGain records the points the addition brought.
	SetAdditionGain(ctx context.Context, person, id string, gain int) error
	// RemoveAddition marks the person's addition removed at at (ENOTFOUND
	// when it is not theirs; removing twice keeps the first time).
	RemoveAddition(ctx context.Context, person, id string, at time.Time) error
	// Additions returns a person's additions, newest first, removed ones
	// included, with their events.
	Additions(ctx context.Context, person string) ([]*Addition, error)
	// KeptAdditions returns, for each of people who has any, the additions
	// they keep, with their events.
	KeptAdditions(ctx context.Context, people []string) (map[string][]*Addition, error)
	// PeopleWithAdditions returns everyone who keeps an addition.
	PeopleWithAdditions(ctx context.Context) ([]string, error)
}
