package portal

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/sesame-credit/sesame"
)

type consentsData struct {
	Unavailable bool
	Active      []Consent
	// Badges is what each social platform with a live social_badge consent
	// may see, by partner.
	Badges  map[string]sesame.BadgeClaim
	Pending []ConsentRequest
	// Focus is the request a partner's approval link names (?request=ID);
	// answering it sends the person back to the partner.
	Focus    *ConsentRequest
	FocusErr string
}

// answeredData is the page after answering a partner's request: a link back
// to the partner. A link, not a redirect: the CSP's form-action 'self'
// forbids a form post from redirecting to another origin, and the person
// should see what they answered before leaving.
type answeredData struct {
	Partner  string
	Approved bool
	Redirect string
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
	if p.cfg.Badges != nil {
		d.Badges = map[string]sesame.BadgeClaim{}
		for _, c := range d.Active {
			if !sesame.Purpose(c.Purpose).BadgeOnly() {
				continue
			}
			b, err := p.cfg.Badges.Badge(r.Context(), person, c.Partner)
			if err == nil {
				d.Badges[c.Partner] = b.Claim
			} else if sesame.ErrorCode(err) != sesame.ENOTFOUND {
				p.fail(w, r, v, err)
				return
			}
		}
	}
	if d.Pending, err = p.cfg.Consents.PendingRequests(r.Context(), person); err != nil {
		p.fail(w, r, v, err)
		return
	}
	if id := r.URL.Query().Get("request"); id != "" {
		req, err := p.cfg.Consents.Request(r.Context(), person, id)
		switch {
		case err == nil && req.Status != "" && req.Status != "pending":
			d.FocusErr = v.L.T("consents.request_answered", v.L.T("consents.status."+req.Status))
		case err == nil:
			d.Focus = &req
		case statusOf(err) < http.StatusInternalServerError:
			d.FocusErr = v.L.T("consents.request_unknown")
		default:
			p.fail(w, r, v, err)
			return
		}
		if d.Focus != nil { // shown on its own at the top, not twice
			for i, x := range d.Pending {
				if x.ID == d.Focus.ID {
					d.Pending = append(d.Pending[:i:i], d.Pending[i+1:]...)
					break
				}
			}
		}
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
	var approve bool
	switch r.PathValue("action") {
	case "approve":
		approve = true
	case "decline":
	default:
		p.fail(w, r, nil, sesame.Errorf(sesame.ENOTFOUND, "no such action; use approve or decline"))
		return
	}
	req, err := p.cfg.Consents.Request(r.Context(), person, id)
	if err != nil {
		p.fail(w, r, nil, err)
		return
	}
	if approve && sesame.Purpose(req.Purpose).BadgeOnly() {
		// A social badge consent comes with what the platform may see.
		if err := p.chooseBadge(r, person, req.Partner); err != nil {
			p.fail(w, r, nil, err)
			return
		}
	}
	redirect, err := p.cfg.Consents.AnswerRequest(r.Context(), person, id, approve)
	if err != nil {
		p.fail(w, r, nil, err)
		return
	}
	if r.PostFormValue("return") == "partner" && (strings.HasPrefix(redirect, "https://") || strings.HasPrefix(redirect, "http://")) {
		v := p.newView(w, r, "consents.answered_title", "consents")
		v.Person = person
		v.Data = &answeredData{Partner: cmp.Or(req.PartnerName, req.Partner), Approved: approve, Redirect: redirect}
		p.render(w, http.StatusOK, "answered", v)
		return
	}
	done := "declined"
	if approve {
		done = "approved"
	}
	http.Redirect(w, r, "/portal/consents?done="+done, http.StatusSeeOther)
}

// chooseBadge stores the badge the person picked on the approval form.
func (p *Portal) chooseBadge(r *http.Request, person, partner string) error {
	if p.cfg.Badges == nil {
		return userError(sesame.EUNAVAILABLE, p.locale(r).T("unavailable"))
	}
	claim, err := sesame.ParseBadgeClaim(r.PostFormValue("badge"))
	if err != nil {
		return err
	}
	return p.cfg.Badges.SetBadge(r.Context(), &sesame.BadgeChoice{Person: person, Partner: partner, Claim: claim, ChosenAt: p.now().UTC()})
}

// badgeOption is a claim a person may pick for a social badge: Band is
// the band claimed, "" for the verified-and-clean claim.
type badgeOption struct {
	Value string
	Band  sesame.Band
}

// badgeOptions lists every claim, the highest band first.
var badgeOptions = func() []badgeOption {
	var out []badgeOption
	for i := len(sesame.Bands) - 1; i >= 0; i-- {
		b := sesame.Bands[i].Band
		out = append(out, badgeOption{sesame.BadgeClaim{Kind: sesame.BadgeBandAtLeast, MinBand: b}.String(), b})
	}
	return append(out, badgeOption{Value: sesame.BadgeVerifiedClean})
}()

// changeBadge replaces what a social platform may see.
func (p *Portal) changeBadge(w http.ResponseWriter, r *http.Request, person string) {
	partner := r.PathValue("partner")
	if !sesame.ValidID(partner) {
		p.fail(w, r, nil, sesame.Errorf(sesame.EINVALID, "partner: not a valid id"))
		return
	}
	if err := p.chooseBadge(r, person, partner); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/consents?done=badge", http.StatusSeeOther)
}
