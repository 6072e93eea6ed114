package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
)

// maxFormBytes bounds every form the portal accepts.
const maxFormBytes = 64 << 10

// personalHandler serves one of the person's own pages.
type personalHandler func(w http.ResponseWriter, r *http.Request, person string)

// personal requires a live session and, for state changes, a valid CSRF
// token from our own origin. Without a session, pages redirect to the login
// page and other requests get 401.
func (p *Portal) personal(h personalHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		token := sessionToken(r)
		person := ""
		if token != "" {
			var err error
			person, err = p.cfg.Auth.Authenticate(r.Context(), token)
			if err != nil {
				person = ""
				if code := sesame.ErrorCode(err); code != sesame.EUNAUTHORIZED && code != sesame.ENOTFOUND {
					p.fail(w, r, nil, err)
					return
				}
			}
		}
		if person == "" {
			p.setCookie(w, r, &http.Cookie{Name: SessionCookie, Value: "", MaxAge: -1})
			if r.Method == http.MethodGet && !wantsJSON(r) {
				// Back here after logging in: a partner's approval link survives the login.
				http.Redirect(w, r, "/portal/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			secureHeaders(w)
			writeJSONError(w, sesame.Errorf(sesame.EUNAUTHORIZED, "log in first"))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !p.checkCSRF(r) {
			p.forbidden(w, r)
			return
		}
		h(w, r, person)
	}
}

func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request) {
	if token := sessionToken(r); token != "" {
		if _, err := p.cfg.Auth.Authenticate(r.Context(), token); err == nil {
			http.Redirect(w, r, "/portal/", http.StatusSeeOther)
			return
		}
	}
	v := p.newView(w, r, "login.title", "")
	if r.URL.Query().Get("done") == "signed_out_everywhere" {
		v.Flash = "account.flash.signed_out_everywhere"
	}
	v.Data = p.loginForm(localPath(r.URL.Query().Get("next")))
	p.render(w, http.StatusOK, "login", v)
}

type loginData struct {
	Who      string
	DemoLink string // demo mode: the login link, shown instead of mailed
	Sent     bool
	Next     string // a local path to return to after login
	Token    string // a login link's token, confirmed by the button's POST
	// ByContact: people log in with their e-mail or phone (else a person id).
	ByContact bool
	NoMail    bool // the link was made but this server cannot mail it
	Passkeys  bool // offer "Log in with a passkey"
}

func (p *Portal) loginForm(next string) loginData {
	return loginData{Next: next, ByContact: p.cfg.SignIn != nil, Passkeys: p.cfg.Passkeys != nil}
}

func (p *Portal) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !p.checkCSRF(r) {
		p.forbidden(w, r)
		return
	}
	v := p.newView(w, r, "login.title", "")
	who := strings.TrimSpace(r.PostFormValue("who"))
	d := p.loginForm(localPath(r.PostFormValue("next")))
	d.Who = who
	if p.cfg.SignIn != nil && who != "" && len(who) <= 254 {
		p.loginByContact(w, r, v, d)
		return
	}
	if who == "" || len(who) > 254 {
		v.Error = v.L.T("login.invalid")
		v.Data = d
		p.render(w, http.StatusBadRequest, "login", v)
		return
	}
	token, err := p.cfg.Auth.RequestLoginLink(r.Context(), who)
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			p.fail(w, r, v, err)
			return
		}
		v.Error = v.L.errorText(err)
		v.Data = d
		p.render(w, statusOf(err), "login", v)
		return
	}
	if token != "" {
		d.DemoLink = "/portal/auth?token=" + url.QueryEscape(token) + "&next=" + url.QueryEscape(d.Next)
	} else {
		d.Sent = true
	}
	v.Data = d
	p.render(w, http.StatusOK, "login", v)
}

// loginConfirm is the target of a login link: a top-level GET from a mail
// or the demo page. It only shows a button that POSTs the token, so that a
// mail scanner or link preview fetching the link cannot use it up.
func (p *Portal) loginConfirm(w http.ResponseWriter, r *http.Request) {
	v := p.newView(w, r, "login.title", "")
	w.Header().Set("Cache-Control", "no-store")
	token := r.URL.Query().Get("token")
	if token == "" || len(token) > 512 {
		v.Data = loginData{}
		v.Error = v.L.T("login.link_invalid")
		p.render(w, http.StatusUnauthorized, "login", v)
		return
	}
	v.Data = loginData{Token: token, Next: localPath(r.URL.Query().Get("next"))}
	p.render(w, http.StatusOK, "login", v)
}

// loginRedeem uses the login link's token (the confirmation page's POST)
// and starts a session. The session cookie is SameSite=Lax so that the
// person's next navigation from a mail client still carries it.
func (p *Portal) loginRedeem(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !p.checkCSRF(r) {
		p.forbidden(w, r)
		return
	}
	token := r.PostFormValue("token")
	session, expires, err := p.cfg.Auth.RedeemLoginLink(auth.WithUserAgent(r.Context(), r.UserAgent()), token)
	if err != nil {
		v := p.newView(w, r, "login.title", "")
		v.Data = loginData{}
		if statusOf(err) == http.StatusInternalServerError {
			p.fail(w, r, v, err)
			return
		}
		v.Error = v.L.T("login.link_invalid")
		p.render(w, http.StatusUnauthorized, "login", v)
		return
	}
	p.startSession(w, r, session, expires)
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

func (p *Portal) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !p.checkCSRF(r) {
		p.forbidden(w, r)
		return
	}
	if token := sessionToken(r); token != "" {
		if err := p.cfg.Auth.Logout(r.Context(), token); err != nil && statusOf(err) == http.StatusInternalServerError {
			p.log.Error("portal: logout", "err", err)
		}
	}
	p.setCookie(w, r, &http.Cookie{Name: SessionCookie, Value: "", MaxAge: -1})
	http.Redirect(w, r, "/portal/login", http.StatusSeeOther)
}

// switchLanguage remembers the language for a year and returns to the page
// the person was on (a local path only: no open redirect).
func (p *Portal) switchLanguage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !p.checkCSRF(r) {
		p.forbidden(w, r)
		return
	}
	lang := r.PostFormValue("lang")
	if p.catalogs[lang] != nil {
		p.setCookie(w, r, &http.Cookie{Name: langCookie, Value: lang, MaxAge: 365 * 24 * 3600})
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// localPath returns next when it is a path on this origin, and the portal's
// home otherwise. It is parsed as a URL, not matched as a string: browsers
// drop tabs and newlines and read backslashes as slashes, so "/\t/evil" or
// "/\\evil" become "//evil", another host. Only printable ASCII is kept,
// and the parsed URL must have no scheme, host or user and a path that
// starts with exactly one slash both before and after percent-decoding.
func localPath(next string) string {
	const home = "/portal/"
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, "/") {
		return home
	}
	if !plainASCII(next) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || !plainASCII(u.Path) {
		return home
	}
	return u.RequestURI() + fragmentOf(u)
}

// plainASCII reports whether s holds only printable ASCII other than space
// and backslash.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

func fragmentOf(u *url.URL) string {
	if u.Fragment == "" {
		return ""
	}
	return "#" + u.EscapedFragment()
}
