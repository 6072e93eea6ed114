package http

import (
	nethttp "net/http"
	"net/url"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/consent"
)

// registerConsentRequests: partners ask for consent and poll the answer.
func (s *Server) registerConsentRequests(mux *nethttp.ServeMux) {
	t := trustOf(s)
	if t == nil {
		return
	}
	s.handle(mux, "POST /v1/partner/consent-requests", t.trusted(s.handleCreateConsentRequest))
	s.handle(mux, "GET /v1/partner/consent-requests/{id}", t.trusted(s.handleGetConsentRequest))
}

// consentRequestAnswer is a request as its partner sees it.
type consentRequestAnswer struct {
	ID          string         `json:"id"`
	Status      string         `json:"status"`
	Person      string         `json:"person,omitempty"`
	Purpose     sesame.Purpose `json:"purpose"`
	Scope       sesame.Scope   `json:"scope"`
	Thresholds  []int          `json:"thresholds,omitempty"`
	RedirectURI string         `json:"redirect_uri"`
	State       string         `json:"state,omitempty"`
	ApprovalURL string         `json:"approval_url,omitempty"`
	ExpiresAt   time.Time      `json:"expires_at"`
	AnsweredAt  *time.Time     `json:"answered_at,omitempty"`
	Consent     string         `json:"consent,omitempty"`
}

func (t *Trust) requestAnswer(r *nethttp.Request, cr *sesame.ConsentRequest) consentRequestAnswer {
	a := consentRequestAnswer{ID: cr.ID, Status: cr.Status, Person: cr.Person, Purpose: cr.Purpose, Scope: cr.Scope, Thresholds: cr.Thresholds,
		RedirectURI: cr.RedirectURI, State: cr.State, ExpiresAt: cr.ExpiresAt, Consent: cr.Consent}
	if cr.Status == sesame.RequestPending {
		a.ApprovalURL = ApprovalURL(t.baseURL(r), cr.ID)
	}
	if !cr.AnsweredAt.IsZero() {
		at := cr.AnsweredAt
		a.AnsweredAt = &at
	}
	return a
}

// ApprovalURL is the page where a person answers a consent request: the
// portal's, which calls /v1/me/consent-requests/{id}/approve|decline.
func ApprovalURL(base, id string) string {
	return base + "/portal/consents?request=" + url.QueryEscape(id)
}

func (s *Server) handleCreateConsentRequest(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	partner, err := s.partner(w, r, t)
	if err != nil {
		return err
	}
	var in consent.RequestInput
	if err := decodeStrict(w, r, &in); err != nil {
		return err
	}
	cr, err := t.Consents.Request(r.Context(), partner, in)
	if err != nil {
		return err
	}
	a := t.requestAnswer(r, cr)
	w.Header().Set("Location", "/v1/partner/consent-requests/"+cr.ID)
	writeJSON(w, nethttp.StatusCreated, a)
	return nil
}

func (s *Server) handleGetConsentRequest(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	partner, err := s.partner(w, r, t)
	if err != nil {
		return err
	}
	cr, err := t.Consents.RequestFor(r.Context(), partner.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, t.requestAnswer(r, cr))
	return nil
}
