package portal

import (
	"net/http"

	"github.com/sesame-credit/sesame"
)

type eraseData struct {
	Unavailable bool
	Receipt     *sesame.Erasure
}

// erasePage says what erasure deletes and asks the person to confirm it.
func (p *Portal) erasePage(w http.ResponseWriter, r *http.Request, person string) {
	v := p.newView(w, r, "erase.title", "data")
	v.Person = person
	v.Data = &eraseData{Unavailable: p.cfg.Eraser == nil}
	p.render(w, http.StatusOK, "erase", v)
}

// erase erases the person once they confirmed, logs them out (their
// sessions are gone with the rest) and shows the receipt.
func (p *Portal) erase(w http.ResponseWriter, r *http.Request, person string) {
	l := p.locale(r)
	if p.cfg.Eraser == nil {
		p.fail(w, r, nil, userError(sesame.EUNAVAILABLE, l.T("unavailable")))
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		p.fail(w, r, nil, userError(sesame.EINVALID, l.T("erase.err.confirm")))
		return
	}
	receipt, err := p.cfg.Eraser.ErasePerson(r.Context(), person, "person", p.now())
	if err != nil {
		p.fail(w, r, nil, err)
		return
	}
	p.setCookie(w, r, &http.Cookie{Name: SessionCookie, Value: "", MaxAge: -1})
	v := p.newView(w, r, "erase.done_title", "")
	v.Data = &eraseData{Receipt: receipt}
	p.render(w, http.StatusOK, "erase", v)
}
