package http

import (
	nethttp "net/http"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/notice"
)

// registerErasure: a person erases everything held about them (GDPR Art.
// 17). DELETE /v1/me is the plain REST form; POST /v1/me/erasure is for
// clients that cannot send DELETE, and asks for {"confirm": true} so that
// an accidental POST erases nothing.
func (s *Server) registerErasure(mux *nethttp.ServeMux) {
	if s.Eraser == nil {
		return
	}
	s.handle(mux, "DELETE /v1/me", noStore(s.handleErase(false)))
	s.handle(mux, "POST /v1/me/erasure", s.handleErase(true))
}

// registerMail: a person gives (or, with "", removes) the address their
// notices are also mailed to when the server mails.
func (s *Server) registerMail(mux *nethttp.ServeMux) {
	if s.Mail == nil {
		return
	}
	s.handle(mux, "PUT /v1/me/email", s.handleSetEmail)
}

func (s *Server) handleSetEmail(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	var req struct {
		Address string `json:"address"`
	}
	if err := decodeStrict(w, r, &req); err != nil {
		return err
	}
	if req.Address != "" && !notice.ValidAddress(req.Address) {
		return sesame.Errorf(sesame.EINVALID, "address: not one e-mail address (name@example.org), or \"\" to stop mail")
	}
	if err := s.Mail.SetMailAddress(r.Context(), sesame.PersonRecipient(person), req.Address, time.Now()); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, map[string]string{"address": req.Address})
	return nil
}

func (s *Server) handleErase(needConfirm bool) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request) error {
		person, err := s.me(r)
		if err != nil {
			return err
		}
		if needConfirm {
			var req struct {
				Confirm bool `json:"confirm"`
			}
			if err := decodeStrict(w, r, &req); err != nil {
				return err
			}
			if !req.Confirm {
				return sesame.Errorf(sesame.EINVALID, "confirm: erasure cannot be undone; send {\"confirm\": true}")
			}
		}
		receipt, err := s.Eraser.ErasePerson(r.Context(), person, "person", time.Now())
		if err != nil {
			return err
		}
		writeJSON(w, nethttp.StatusOK, receipt)
		return nil
	}
}
