package http

import (
	nethttp "net/http"
	"time"

	"github.com/sesame-credit/sesame"
)

// registerOperatorPartners: operators register partners and manage their keys.
func (s *Server) registerOperatorPartners(mux *nethttp.ServeMux) {
	t := trustOf(s)
	if t == nil {
		return
	}
	s.handle(mux, "POST /v1/operator/partners", t.trusted(s.handleCreatePartner))
	s.handle(mux, "GET /v1/operator/partners", t.trusted(s.handleListPartners))
	s.handle(mux, "POST /v1/operator/partners/{id}/keys", t.trusted(s.handleRotateKey))
	s.handle(mux, "DELETE /v1/operator/partners/{id}/keys", t.trusted(s.handleRevokeKeys))
	s.handle(mux, "DELETE /v1/operator/partners/{id}/keys/{key}", t.trusted(s.handleRevokeKey))
}

type createPartnerRequest struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	RedirectURIs  []string `json:"redirect_uris"`
	RatePerSecond float64  `json:"rate_per_second"`
	Burst         int      `json:"burst"`
}

// keyAnswer shows a new key, once.
type keyAnswer struct {
	Partner *sesame.Partner `json:"partner,omitempty"`
	APIKey  string          `json:"api_key"`
	Note    string          `json:"note"`
}

const keyNote = "store this key now: Sesame keeps only its hash and cannot show it again"

func (s *Server) handleCreatePartner(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	t := trustOf(s)
	var in createPartnerRequest
	if err := decodeStrict(w, r, &in); err != nil {
		return err
	}
	p := &sesame.Partner{ID: in.ID, Name: in.Name, RedirectURIs: in.RedirectURIs, RatePerSecond: in.RatePerSecond, Burst: in.Burst}
	key, err := t.Partners.Register(r.Context(), p)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, nethttp.StatusCreated, keyAnswer{Partner: p, APIKey: key, Note: keyNote})
	return nil
}

func (s *Server) handleListPartners(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	ps, err := trustOf(s).Partners.Store.Partners(r.Context())
	if err != nil {
		return err
	}
	p, err := pageList(r.URL.Query(), ps, defaultPageLimit, byID, func(p *sesame.Partner) listKey { return listKey{ID: p.ID} })
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, listAnswer("partners", p))
	return nil
}

type rotateRequest struct {
	// GraceSeconds keeps the older keys valid this long; 0 revokes them now.
	GraceSeconds int64 `json:"grace_seconds"`
}

func (s *Server) handleRotateKey(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	var in rotateRequest
	if r.ContentLength != 0 {
		if err := decodeStrict(w, r, &in); err != nil {
			return err
		}
	}
	if in.GraceSeconds < 0 || in.GraceSeconds > 30*24*3600 {
		return sesame.Errorf(sesame.EINVALID, "grace_seconds must lie between 0 and 2592000 (30 days)")
	}
	key, err := trustOf(s).Partners.Rotate(r.Context(), r.PathValue("id"), time.Duration(in.GraceSeconds)*time.Second)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, nethttp.StatusCreated, keyAnswer{APIKey: key, Note: keyNote})
	return nil
}

func (s *Server) handleRevokeKeys(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	if err := trustOf(s).Partners.RevokeKeys(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

func (s *Server) handleRevokeKey(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	if err := trustOf(s).Partners.RevokeKey(r.Context(), r.PathValue("id"), r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
