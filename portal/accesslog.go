package portal

import (
	"net/http"
	"strconv"
	"strings"
)

// accessLogLimit is how many of the latest looks the page lists.
const accessLogLimit = 200

type accessLogData struct {
	Unavailable bool
	Entries     []AccessEntry
	Chain       ChainStatus
	// Before is the page's start (0: the newest entries); Older, when not
	// 0, starts the next page.
	Before, Older int64
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
	// A page starts before an entry's number; anything else starts at the
	// newest.
	d.Before, _ = strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	d.Before = max(d.Before, 0)
	var err error
	// One more than the page says whether an older page exists.
	if d.Entries, err = p.cfg.AccessLog.AccessLog(r.Context(), person, d.Before, accessLogLimit+1); err != nil {
		p.fail(w, r, v, err)
		return
	}
	if len(d.Entries) > accessLogLimit {
		d.Entries = d.Entries[:accessLogLimit]
		d.Older = d.Entries[accessLogLimit-1].Seq
	}
	if d.Chain, err = p.cfg.AccessLog.VerifyChain(r.Context(), person); err != nil {
		p.fail(w, r, v, err)
		return
	}
	p.render(w, http.StatusOK, "accesslog", v)
}

// Who says in words who acted on an access log entry: a partner by name,
// Sesame's operators, the person themself, or Sesame.
func (l *Locale) Who(e AccessEntry) string {
	kind, name, _ := strings.Cut(e.Actor, ":")
	switch kind {
	case "partner", "":
		if e.Partner != "" && e.Partner != e.Actor {
			return e.Partner
		}
		if name != "" {
			return name
		}
		return l.T("access.actor.unknown")
	case "operator", "cli":
		return l.T("access.actor.operator")
	case "person":
		return l.T("access.actor.person")
	case "source":
		return l.T("access.actor.source", name)
	}
	return l.T("access.actor.sesame")
}

// Why says what the entry was for: the purpose of the consent used when
// there is one, else what was done ("read your score", "answered your
// dispute").
func (l *Locale) Why(e AccessEntry) string {
	if e.Purpose != "" {
		return l.orWords("purpose."+e.Purpose, e.Purpose)
	}
	if e.Action != "" {
		if key := "access.action." + e.Action; l.Has(key) {
			return l.T(key)
		}
	}
	return l.T("access.action.other")
}
