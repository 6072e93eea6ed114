package http

import (
	"context"
	nethttp "net/http"

	"github.com/sesame-credit/sesame"
)

// registerDisputes: a person disputes their records and follows the
// disputes; the source that sent a record answers. The person is always
// the session's; a source token answers only about its own records.
func (s *Server) registerDisputes(mux *nethttp.ServeMux) {
	if s.Disputes == nil {
		return
	}
	s.handle(mux, "GET /v1/me/disputes", s.handleMyDisputes)
	s.handle(mux, "POST /v1/me/disputes", s.handleOpenDispute)
	s.handle(mux, "POST /v1/me/disputes/{source}/{id}/evidence", s.handleAddEvidence)
	s.handle(mux, "GET /v1/sources/{source}/disputes", s.handleSourceDisputes)
	s.handle(mux, "POST /v1/sources/{source}/disputes/{id}/answer", s.handleAnswerDispute)
}

func (s *Server) registerNotices(mux *nethttp.ServeMux) {
	if s.Outbox == nil {
		return
	}
	s.handle(mux, "GET /v1/me/notices", s.handleMyNotices)
}

// handleMyNotices is the person's inbox: what Sesame told them, newest first.
func (s *Server) handleMyNotices(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	p, err := pageFrom(r.URL.Query(), defaultPageLimit,
		func(n sesame.Notice) listKey { return timeKey(n.CreatedAt, n.ID) },
		func(c listKey, after bool, n int) ([]sesame.Notice, error) {
			var at sesame.Position
			if after {
				at = c.position()
			}
			return s.Outbox.NoticesAfter(r.Context(), sesame.PersonRecipient(person), at, n)
		})
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, listAnswer("notices", p))
	return nil
}

// writeDisputes answers a page of a person's disputes (person set) or a
// source's, newest first (by opening, then source and event id), read by
// the store from the cursor's position: a source's list has no bound.
func (s *Server) writeDisputes(w nethttp.ResponseWriter, r *nethttp.Request, person, source string) error {
	p, err := pageFrom(r.URL.Query(), defaultPageLimit,
		func(d sesame.Dispute) listKey { return timeKey(d.OpenedAt, d.Position().ID) },
		func(c listKey, after bool, n int) ([]sesame.Dispute, error) {
			var at sesame.Position
			if after {
				at = c.position()
			}
			return s.Disputes.Store.DisputesAfter(r.Context(), person, source, at, n)
		})
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, listAnswer("disputes", p))
	return nil
}

func (s *Server) handleMyDisputes(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	return s.writeDisputes(w, r, person, "")
}

func (s *Server) handleOpenDispute(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	var body struct {
		Source   string `json:"source"`
		EventID  string `json:"event_id"`
		Reason   string `json:"reason"`
		Evidence string `json:"evidence"`
	}
	if err := decodeStrict(w, r, &body); err != nil {
		return err
	}
	d, err := s.Disputes.Open(r.Context(), person, sesame.EventKey{Source: body.Source, ID: body.EventID}, body.Reason, body.Evidence)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusCreated, d)
	return nil
}

func (s *Server) handleAddEvidence(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	var body struct {
		Evidence string `json:"evidence"`
	}
	if err := decodeStrict(w, r, &body); err != nil {
		return err
	}
	d, err := s.Disputes.AddEvidence(r.Context(), person, sesame.EventKey{Source: r.PathValue("source"), ID: r.PathValue("id")}, body.Evidence)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, d)
	return nil
}

// sourceOrOperator authorizes a request about the path's source: its own
// token or an operator's.
func (s *Server) sourceOrOperator(r *nethttp.Request) (string, error) {
	who, err := s.authorize(r, RoleOperator, RoleSource)
	if err != nil {
		return "", err
	}
	source := r.PathValue("source")
	if who.Role == RoleSource && source != who.Name {
		return "", sesame.Errorf(sesame.EFORBIDDEN, "this token speaks for source %s only", quote(who.Name))
	}
	return source, nil
}

func (s *Server) handleSourceDisputes(w nethttp.ResponseWriter, r *nethttp.Request) error {
	source, err := s.sourceOrOperator(r)
	if err != nil {
		return err
	}
	return s.writeDisputes(w, r, "", source)
}

func (s *Server) handleAnswerDispute(w nethttp.ResponseWriter, r *nethttp.Request) error {
	source, err := s.sourceOrOperator(r)
	if err != nil {
		return err
	}
	var body struct {
		Answer string `json:"answer"`
		Note   string `json:"note"`
	}
	if err := decodeStrict(w, r, &body); err != nil {
		return err
	}
	d, err := s.Disputes.Answer(r.Context(), sesame.EventKey{Source: source, ID: r.PathValue("id")}, sesame.DisputeStatus(body.Answer), body.Note)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, d)
	return nil
}

// disputeOpen reports whether the person has a dispute the source has not
// answered yet: partners' reads and decisions then say so.
func (s *Server) disputeOpen(ctx context.Context, person string) (bool, error) {
	if s.Disputes == nil {
		return false, nil
	}
	return s.Disputes.Store.HasOpenDispute(ctx, person)
}
