package portal

import (
	"net/http"

	"github.com/sesame-credit/sesame"
)

type recordData struct {
	Unavailable bool
	Sources     []string
	Kept        []*sesame.Addition
	Removed     []*sesame.Addition
	Gained      int // the points the kept additions add to the score now
}

// record shows what the person added to their own record, with the gain
// each brought, and the form to add more.
func (p *Portal) record(w http.ResponseWriter, r *http.Request, person string) {
	v := p.newView(w, r, "record.title", "record")
	v.Person = person
	d := &recordData{}
	v.Data = d
	if p.cfg.Record == nil {
		d.Unavailable = true
		p.render(w, http.StatusOK, "record", v)
		return
	}
	list, err := p.cfg.Record.List(r.Context(), person)
	if err != nil {
		p.fail(w, r, v, err)
		return
	}
	for _, a := range list {
		if a.Kept() {
			d.Kept = append(d.Kept, a)
		} else {
			d.Removed = append(d.Removed, a)
		}
	}
	if s, err := p.cfg.Scores.LatestScore(r.Context(), person); err == nil {
		d.Gained = s.SelfAddedPoints
	}
	d.Sources = p.cfg.Record.Sources()
	p.render(w, http.StatusOK, "record", v)
}

func (p *Portal) addToRecord(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.Record == nil {
		p.fail(w, r, nil, userError(sesame.EUNAVAILABLE, p.locale(r).T("unavailable")))
		return
	}
	req := sesame.AdditionRequest{Source: r.PostFormValue("source"), Kind: r.PostFormValue("kind")}
	switch req.Kind {
	case sesame.AdditionBillAccount:
		req.Account = r.PostFormValue("account")
	case sesame.AdditionVerifiedFact:
		req.Fact = r.PostFormValue("fact")
	}
	if _, err := p.cfg.Record.Add(r.Context(), person, req); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/record?done=added", http.StatusSeeOther)
}

func (p *Portal) removeAddition(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.Record == nil {
		p.fail(w, r, nil, userError(sesame.EUNAVAILABLE, p.locale(r).T("unavailable")))
		return
	}
	if _, err := p.cfg.Record.Remove(r.Context(), person, r.PathValue("id")); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/record?done=removed", http.StatusSeeOther)
}
