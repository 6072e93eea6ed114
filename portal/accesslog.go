package portal

import "net/http"

// accessLogLimit is how many of the latest looks the page lists.
const accessLogLimit = 200

type accessLogData struct {
	Unavailable bool
	Entries     []AccessEntry
	Chain       ChainStatus
}

func (p *Portal) accessLog(w http.ResponseWriter, r *http.Request, person string) {
	v := p.newView(w, r, "access.title", "access")
	v.Person = person
	d := &accessLogData{}
	v.Data = d
	if p.cfg.AccessLog == nil {
		d.Unavailable = true
		p.render(w, http.StatusOK, "accesslog", v)
		return
	}
	var err error
	if d.Entries, err = p.cfg.AccessLog.AccessLog(r.Context(), person, accessLogLimit); err != nil {
		p.fail(w, r, v, err)
		return
	}
	if d.Chain, err = p.cfg.AccessLog.VerifyChain(r.Context(), person); err != nil {
		p.fail(w, r, v, err)
		return
	}
	p.render(w, http.StatusOK, "accesslog", v)
}
