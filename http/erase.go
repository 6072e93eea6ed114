package http

import (
	nethttp "net/http"
	"time"

	"github.com/sesame-credit/sesame"
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
