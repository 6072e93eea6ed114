// Package record lets a person add to their own record: link a bill
// account or have a fact verified through a source that vouches for it
// (sesame.Voucher), see the gain each addition brought, and remove it
// again. The additions' events are marked self-added and may only raise
// the score (package score, additions.go).
package record

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/score"
)

// Scores is what the service needs of the score service: rescoring a
// person now and reading their latest score.
type Scores interface {
	Refresh(ctx context.Context, people ...string) error
	LatestScore(ctx context.Context, person string) (*sesame.Score, error)
}

// Service carries a person's additions. Only the person calls it (the
// http and portal layers check who is logged in).
type Service struct {
	Store  sesame.AdditionStore
	Scores Scores
	// Vouchers are the sources a person may add through, by source id.
	Vouchers map[string]sesame.Voucher
	Now      func() time.Time
}

// Change is an addition or a removal with the score before and after it
// (nil when the person has no score).
type Change struct {
	Addition *sesame.Addition `json:"addition"`
	Before   *sesame.Score    `json:"-"`
	After    *sesame.Score    `json:"-"`
}

// Sources lists the vouching sources, sorted.
func (s *Service) Sources() []string {
	out := make([]string, 0, len(s.Vouchers))
	for id := range s.Vouchers {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Add asks the source to vouch for req, keeps what it vouches for as the
// person's addition, rescores the person and records the gain.
func (s *Service) Add(ctx context.Context, person string, req sesame.AdditionRequest) (*Change, error) {
	if !sesame.ValidID(person) {
		return nil, sesame.Errorf(sesame.EINVALID, "person: not a valid id")
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	v, ok := s.Vouchers[req.Source]
	if !ok && len(s.Vouchers) == 0 {
		return nil, &sesame.Error{Code: sesame.EINVALID, Message: "the addition is not valid", Details: []sesame.FieldError{{Field: "source",
			Reason: "no vouching source is connected to this server yet"}}}
	}
	if !ok {
		return nil, &sesame.Error{Code: sesame.EINVALID, Message: "the addition is not valid", Details: []sesame.FieldError{{Field: "source",
			Reason: fmt.Sprintf("no vouching source %q; use one of %s", req.Source, strings.Join(s.Sources(), ", "))}}}
	}
	list, err := s.Store.Additions(ctx, person)
	if err != nil {
		return nil, err
	}
	kept := 0
	for _, a := range list {
		if a.Kept() {
			kept++
		}
	}
	if kept >= score.MaxKeptAdditions {
		return nil, sesame.Errorf(sesame.ECONFLICT, "you keep %d additions, the most there can be; remove one first", kept)
	}
	now := s.now()
	before, err := s.latest(ctx, person)
	if err != nil {
		return nil, err
	}
	label, events, err := v.Vouch(ctx, person, req, now)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, sesame.Errorf(sesame.EINVALID, "source %s vouches for nothing on %s", req.Source, req.Account+req.Fact)
	}
	a := &sesame.Addition{ID: newID(), Person: person, Kind: req.Kind, Source: req.Source, Label: label, AddedAt: now}
	for i, e := range events {
		// The addition names its events: the source's own ids could clash
		// with what it reports to the ledger, and the person is who it is.
		e.Source, e.ID, e.Person, e.RecordedAt = req.Source, fmt.Sprintf("%s.%d", a.ID, i), person, now
		if err := e.Validate(now); err != nil {
			return nil, sesame.Errorf(sesame.EINTERNAL, "source %s vouched for an invalid event: %v", req.Source, err)
		}
		a.Events = append(a.Events, e)
	}
	if err := s.Store.AddAddition(ctx, a); err != nil {
		return nil, err
	}
	after, err := s.rescore(ctx, person)
	if err != nil {
		return nil, err
	}
	if before != nil && after != nil && after.Status == sesame.StatusScored && before.Status == sesame.StatusScored && after.Score > before.Score {
		a.Gain = after.Score - before.Score
		if err := s.Store.SetAdditionGain(ctx, person, a.ID, a.Gain); err != nil {
			return nil, err
		}
	}
	return &Change{Addition: a, Before: before, After: after}, nil
}

// Remove stops an addition counting and rescores the person.
func (s *Service) Remove(ctx context.Context, person, id string) (*Change, error) {
	before, err := s.latest(ctx, person)
	if err != nil {
		return nil, err
	}
	if err := s.Store.RemoveAddition(ctx, person, id, s.now()); err != nil {
		return nil, err
	}
	after, err := s.rescore(ctx, person)
	if err != nil {
		return nil, err
	}
	// The answer names what was removed, as the list shows it now.
	list, err := s.Store.Additions(ctx, person)
	if err != nil {
		return nil, err
	}
	removed := &sesame.Addition{ID: id, Person: person}
	for _, a := range list {
		if a.ID == id {
			removed = a
		}
	}
	return &Change{Addition: removed, Before: before, After: after}, nil
}

// List returns the person's additions, newest first, removed ones included.
func (s *Service) List(ctx context.Context, person string) ([]*sesame.Addition, error) {
	return s.Store.Additions(ctx, person)
}

func (s *Service) rescore(ctx context.Context, person string) (*sesame.Score, error) {
	if err := s.Scores.Refresh(ctx, person); err != nil {
		return nil, err
	}
	return s.latest(ctx, person)
}

func (s *Service) latest(ctx context.Context, person string) (*sesame.Score, error) {
	sc, err := s.Scores.LatestScore(ctx, person)
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		return nil, nil
	}
	return sc, err
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return "add_" + hex.EncodeToString(b[:])
}
