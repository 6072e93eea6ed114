package portal

import (
	"net/http"

	"github.com/sesame-credit/sesame"
)

type consentsData struct {
	Unavailable bool
	Active      []Consent
	Pending     []ConsentRequest
}

func (p *Portal) consents(w http.ResponseWriter, r *http.Request, person string) {
	v := p.newView(w, r, "consents.title", "consents")
	v.Person = person
	d := &consentsData{}
	v.Data = d
	if p.cfg.Consents == nil {
		d.Unavailable = true
		p.render(w, http.StatusOK, "consents", v)
		return
	}
	var err error
	if d.Active, err = p.cfg.Consents.ActiveConsents(r.Context(), person); err != nil {
		p.fail(w, r, v, err)
		return
	}
	if d.Pending, err = p.cfg.Consents.PendingRequests(r.Context(), person); err != nil {
		p.fail(w, r, v, err)
		return
	}
	p.render(w, http.StatusOK, "consents", v)
}

func (p *Portal) consentAction(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.Consents == nil {
		p.fail(w, r, nil, sesame.Errorf(sesame.EUNAVAILABLE, "consents are not available in this build"))
		return
	}
	if err := p.cfg.Consents.RevokeConsent(r.Context(), person, r.PathValue("id")); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/consents?done=revoked", http.StatusSeeOther)
}

func (p *Portal) requestAction(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.Consents == nil {
		p.fail(w, r, nil, sesame.Errorf(sesame.EUNAVAILABLE, "consents are not available in this build"))
		return
	}
	id := r.PathValue("id")
	var err error
	var done string
	switch r.PathValue("action") {
	case "approve":
		err, done = p.cfg.Consents.ApproveRequest(r.Context(), person, id), "approved"
	case "decline":
		err, done = p.cfg.Consents.DeclineRequest(r.Context(), person, id), "declined"
	default:
		err = sesame.Errorf(sesame.ENOTFOUND, "no such action; use approve or decline")
	}
	if err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/consents?done="+done, http.StatusSeeOther)
}
