package http

import (
	"context"
	nethttp "net/http"
	"time"

	"github.com/sesame-credit/sesame"
)

// registerMeRecord: what a person shows social platforms (badges) and
// what they add to their own record (additions). Like every /v1/me route,
// the person is the session's.
func (s *Server) registerMeRecord(mux *nethttp.ServeMux) {
	t := trustOf(s)
	if t == nil || t.People == nil {
		return
	}
	if t.Badges != nil {
		s.handle(mux, "GET /v1/me/badges/{partner}", t.trusted(s.handleMyBadge))
		s.handle(mux, "PUT /v1/me/badges/{partner}", t.trusted(s.handleChooseBadge))
	}
	if t.Record != nil {
		s.handle(mux, "GET /v1/me/additions", t.trusted(s.handleMyAdditions))
		s.handle(mux, "POST /v1/me/additions", t.trusted(s.handleAddToRecord))
		s.handle(mux, "DELETE /v1/me/additions/{id}", t.trusted(s.handleRemoveAddition))
	}
}

// badgeOfGrant is the badge a social_badge consent must come with (nil
// for other purposes, which may not name one).
func badgeOfGrant(in grantRequest) (*sesame.BadgeClaim, error) {
	invalid := func(reason string) error {
		return &sesame.Error{Code: sesame.EINVALID, Message: "the consent is not valid", Details: []sesame.FieldError{{Field: "badge", Reason: reason}}}
	}
	if !in.Purpose.BadgeOnly() {
		if in.Badge != "" {
			return nil, invalid("only for purpose social_badge")
		}
		return nil, nil
	}
	if in.Badge == "" {
		return nil, invalid("choose what to show: band_at_least:BAND or verified_clean")
	}
	claim, err := sesame.ParseBadgeClaim(in.Badge)
	if err != nil {
		return nil, err
	}
	return &claim, nil
}

// chooseBadge stores the badge of a consent just granted (nothing when
// claim is nil).
func (s *Server) chooseBadge(ctx context.Context, c *sesame.Consent, claim *sesame.BadgeClaim) error {
	if claim == nil {
		return nil
	}
	t := trustOf(s)
	if t.Badges == nil {
		return sesame.Errorf(sesame.EUNAVAILABLE, "badges are not offered on this server")
	}
	return t.Badges.SetBadge(ctx, &sesame.BadgeChoice{Person: c.Person, Partner: c.Partner, Claim: *claim, ChosenAt: c.GrantedAt})
}

func (s *Server) handleMyBadge(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	b, err := trustOf(s).Badges.Badge(r.Context(), person, r.PathValue("partner"))
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, badgeAnswer(b))
	return nil
}

type badgeChoice struct {
	Partner  string    `json:"partner"`
	Badge    string    `json:"badge"`
	Text     string    `json:"text"`
	ChosenAt time.Time `json:"chosen_at"`
}

func badgeAnswer(b *sesame.BadgeChoice) badgeChoice {
	return badgeChoice{Partner: b.Partner, Badge: b.Claim.String(), Text: b.Claim.Text(), ChosenAt: b.ChosenAt}
}

func (s *Server) handleChooseBadge(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	var in struct {
		Badge string `json:"badge"`
	}
	if err := decodeStrict(w, r, &in); err != nil {
		return err
	}
	claim, err := sesame.ParseBadgeClaim(in.Badge)
	if err != nil {
		return err
	}
	partner := r.PathValue("partner")
	if !sesame.ValidID(partner) {
		return sesame.Errorf(sesame.EINVALID, "partner: not a valid id")
	}
	b := &sesame.BadgeChoice{Person: person, Partner: partner, Claim: claim, ChosenAt: s.Now().UTC()}
	if err := trustOf(s).Badges.SetBadge(r.Context(), b); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, badgeAnswer(b))
	return nil
}

// addition is an addition as its person sees it: without its raw events.
type addition struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Source    string    `json:"source"`
	Label     string    `json:"label"`
	AddedAt   time.Time `json:"added_at"`
	RemovedAt time.Time `json:"removed_at,omitzero"`
	Gain      int       `json:"gain"`
	Events    int       `json:"events"`
}

func additionOf(a *sesame.Addition) addition {
	return addition{a.ID, a.Kind, a.Source, a.Label, a.AddedAt, a.RemovedAt, a.Gain, len(a.Events)}
}

func (s *Server) handleMyAdditions(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	t := trustOf(s)
	list, err := t.Record.List(r.Context(), person)
	if err != nil {
		return err
	}
	out := make([]addition, 0, len(list))
	for _, a := range list {
		out = append(out, additionOf(a))
	}
	p, err := pageList(r.URL.Query(), out, defaultPageLimit, newestFirst, func(a addition) listKey { return timeKey(a.AddedAt, a.ID) })
	if err != nil {
		return err
	}
	answer := listAnswer("additions", p)
	answer["sources"] = t.Record.Sources()
	writeJSON(w, nethttp.StatusOK, answer)
	return nil
}

// scoreChange is the score before and after an addition or a removal.
type scoreChange struct {
	Addition addition `json:"addition"`
	Before   int      `json:"score_before,omitempty"`
	After    int      `json:"score_after,omitempty"`
}

func changeOf(a *sesame.Addition, before, after *sesame.Score) scoreChange {
	c := scoreChange{Addition: additionOf(a)}
	if before != nil {
		c.Before = before.Score
	}
	if after != nil {
		c.After = after.Score
	}
	return c
}

func (s *Server) handleAddToRecord(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	var in sesame.AdditionRequest
	if err := decodeStrict(w, r, &in); err != nil {
		return err
	}
	ch, err := trustOf(s).Record.Add(r.Context(), person, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/me/additions/"+ch.Addition.ID)
	writeJSON(w, nethttp.StatusCreated, changeOf(ch.Addition, ch.Before, ch.After))
	return nil
}

func (s *Server) handleRemoveAddition(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	ch, err := trustOf(s).Record.Remove(r.Context(), person, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, changeOf(ch.Addition, ch.Before, ch.After))
	return nil
}
