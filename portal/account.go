package portal

import (
	"net/http"
	"strings"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
)

// The account page gathers what a person does about their account: their
// inbox, the ways to their data (disputes, export, erasure, which live on
// their own pages), their sessions and devices, and their passkeys.

type accountData struct {
	Notices     []sesame.Notice
	Sessions    []sessionRow
	Passkeys    []auth.Passkey
	HasPasskeys bool // passkeys are offered on this server
	CanErase    bool
}

type sessionRow struct {
	auth.SessionInfo
	Device string // "Chrome on Android", from the User-Agent
}

// accountFlash maps ?done=… on the account page to its message.
func accountFlash(done string) string {
	switch done {
	case "session_revoked", "passkey_added", "passkey_removed":
		return "account.flash." + done
	}
	return ""
}

func (p *Portal) account(w http.ResponseWriter, r *http.Request, person string) {
	v := p.newView(w, r, "account.title", "account")
	v.Person = person
	if f := accountFlash(r.URL.Query().Get("done")); f != "" {
		v.Flash = f
	}
	ctx := r.Context()
	d := accountData{HasPasskeys: p.cfg.Passkeys != nil, CanErase: p.cfg.Eraser != nil}
	if p.cfg.Notices != nil {
		ns, err := p.cfg.Notices.Notices(ctx, sesame.PersonRecipient(person), 20)
		if err != nil {
			p.fail(w, r, v, err)
			return
		}
		d.Notices = ns
	}
	if p.cfg.SignIn != nil {
		ss, err := p.cfg.SignIn.Sessions(ctx, sessionToken(r))
		if err != nil {
			p.fail(w, r, v, err)
			return
		}
		for _, s := range ss {
			d.Sessions = append(d.Sessions, sessionRow{SessionInfo: s, Device: deviceName(s.UserAgent)})
		}
	}
	if p.cfg.Passkeys != nil {
		ks, err := p.cfg.Passkeys.List(ctx, sessionToken(r))
		if err != nil {
			p.fail(w, r, v, err)
			return
		}
		d.Passkeys = ks
	}
	v.Data = d
	p.render(w, http.StatusOK, "account", v)
}

func (p *Portal) revokeSession(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.SignIn == nil {
		p.notFound(w, r)
		return
	}
	if err := p.cfg.SignIn.RevokeSession(r.Context(), sessionToken(r), r.PathValue("id")); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/account?done=session_revoked", http.StatusSeeOther)
}

// logoutEverywhere ends every session of the person, this one included.
func (p *Portal) logoutEverywhere(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.SignIn == nil {
		p.notFound(w, r)
		return
	}
	if err := p.cfg.SignIn.LogoutEverywhere(r.Context(), sessionToken(r)); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	p.setCookie(w, r, &http.Cookie{Name: SessionCookie, Value: "", MaxAge: -1})
	http.Redirect(w, r, "/portal/login?done=signed_out_everywhere", http.StatusSeeOther)
}

func (p *Portal) removePasskey(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.Passkeys == nil {
		p.notFound(w, r)
		return
	}
	if err := p.cfg.Passkeys.Remove(r.Context(), sessionToken(r), r.PathValue("id")); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/account?done=passkey_removed", http.StatusSeeOther)
}

// deviceName reads a User-Agent well enough for a person to recognise
// their own devices; the full string is shown on hover.
func deviceName(ua string) string {
	if ua == "" {
		return ""
	}
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"HeadlessChrome/", "Headless Chrome"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"},
		{"Firefox/", "Firefox"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	if len(ua) > 40 {
		return ua[:40] + "…"
	}
	return ua
}
