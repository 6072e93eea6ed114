package portal

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
)

// SignIn lets people log in on their own — with the e-mail address or
// phone number they know — and see and end their sessions. *auth.People
// implements it.
type SignIn interface {
	// StartLogin makes a login link for whoever who names; ENOTFOUND when
	// no one (which the page must not reveal).
	StartLogin(ctx context.Context, who string) (auth.LoginStart, error)
	Sessions(ctx context.Context, sessionToken string) ([]auth.SessionInfo, error)
	RevokeSession(ctx context.Context, sessionToken, id string) error
	LogoutEverywhere(ctx context.Context, sessionToken string) error
}

// Passkeys registers passkeys for a signed-in person and logs people in
// with them; origin is the site the passkey is bound to. *auth.Passkeys
// implements it.
type Passkeys interface {
	BeginRegistration(ctx context.Context, sessionToken, origin string) (options []byte, handle string, err error)
	FinishRegistration(ctx context.Context, sessionToken, origin, handle, name string, response []byte) (*auth.Passkey, error)
	BeginLogin(ctx context.Context, origin string) (options []byte, handle string, err error)
	FinishLogin(ctx context.Context, origin, handle string, response []byte) (sessionToken string, expires time.Time, err error)
	List(ctx context.Context, sessionToken string) ([]auth.Passkey, error)
	Remove(ctx context.Context, sessionToken, id string) error
}

// AccountExporter gives what the sign-in stores hold about a person, for
// their data export.
type AccountExporter interface {
	Export(ctx context.Context, person string) (auth.AccountExport, error)
}

// Mailer sends one plain-text mail (the login link). *notice.DirectMail
// implements it.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// ceremonyCookie carries a passkey prompt's handle from its begin to its
// finish request; the ceremony itself is in the database (any replica).
const ceremonyCookie = "sesame_webauthn"

// mailTimeout bounds the SMTP conversation of one login mail.
const mailTimeout = 30 * time.Second

// Login mails to one address: a burst of 5, then one a minute, so that
// nobody can flood a person's inbox through the login form from many
// addresses (the per-client limit stops one address). Kept per replica.
const (
	loginMailRate  = 1.0 / 60
	loginMailBurst = 5
)

// loginByContact answers the login form when people sign in on their own:
// the same answer whether or not the identifier is on file, so that the
// form does not tell strangers who has an account here.
func (p *Portal) loginByContact(w http.ResponseWriter, r *http.Request, v *view, d loginData) {
	start, err := p.cfg.SignIn.StartLogin(r.Context(), d.Who)
	switch {
	case sesame.ErrorCode(err) == sesame.EINVALID:
		v.Error = v.L.T("signin.invalid")
		v.Data = d
		p.render(w, http.StatusBadRequest, "login", v)
		return
	case sesame.ErrorCode(err) == sesame.ENOTFOUND:
		err = nil
	case err != nil:
		p.fail(w, r, v, err)
		return
	}
	link := ""
	if start.Token != "" {
		link = "/portal/auth?token=" + url.QueryEscape(start.Token) + "&next=" + url.QueryEscape(d.Next)
	}
	switch {
	case p.cfg.DemoMode && link != "":
		d.DemoLink = link
	case p.cfg.DemoMode:
		// Simulated people only: nothing to hide about who is on file.
		v.Error = v.L.T("signin.demo_unknown")
		v.Data = d
		p.render(w, http.StatusNotFound, "login", v)
		return
	case p.cfg.Mail == nil:
		d.NoMail = true
	default:
		d.Sent = true
		if start.Address != "" && !p.mailAllowed(start.Address) {
			p.log.Warn("portal: too many login mails to one address; this one is not sent", "person", start.Person)
		} else if start.Address != "" {
			subject := v.L.T("signin.mail_subject")
			body := v.L.T("signin.mail_body", p.baseURL(r)+link, int(time.Until(start.Expires).Round(time.Minute).Minutes()))
			// Sent after the answer: how long the mail server takes must
			// not tell who has an account either.
			go func() {
				ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), mailTimeout)
				defer cancel()
				if err := p.cfg.Mail.Send(ctx, start.Address, subject, body); err != nil {
					p.log.Error("portal: mailing a login link failed", "person", start.Person, "err", err)
				}
			}()
		}
	}
	v.Data = d
	p.render(w, http.StatusOK, "login", v)
}

// origin is the site passkeys are bound to: the public URL when set,
// else the address the browser used.
func (p *Portal) origin(r *http.Request) string {
	return strings.TrimRight(p.baseURL(r), "/")
}

func (p *Portal) jsonFail(w http.ResponseWriter, err error) {
	if statusOf(err) == http.StatusInternalServerError {
		p.log.Error("portal: passkey", "err", err)
		err = sesame.Errorf(sesame.EINTERNAL, "something went wrong on our side; try again")
	}
	writeJSONError(w, err)
}

func (p *Portal) setCeremony(w http.ResponseWriter, r *http.Request, handle string) {
	p.setCookie(w, r, &http.Cookie{Name: ceremonyCookie, Value: handle, MaxAge: 300, SameSite: http.SameSiteStrictMode})
}

func (p *Portal) takeCeremony(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(ceremonyCookie)
	p.setCookie(w, r, &http.Cookie{Name: ceremonyCookie, Value: "", MaxAge: -1})
	if err != nil {
		return ""
	}
	return c.Value
}

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, sesame.Errorf(sesame.ETOOLARGE, "the request is too large")
	}
	return b, nil
}

// passkeyLoginBegin gives the browser the challenge for any passkey it
// holds for this site. JSON in and out: only the page's script calls it.
func (p *Portal) passkeyLoginBegin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !p.checkCSRF(r) {
		writeJSONError(w, sesame.Errorf(sesame.EFORBIDDEN, "reload the page and try again"))
		return
	}
	opts, handle, err := p.cfg.Passkeys.BeginLogin(r.Context(), p.origin(r))
	if err != nil {
		p.jsonFail(w, err)
		return
	}
	p.setCeremony(w, r, handle)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(opts)
}

// passkeyLoginFinish checks the signed answer and starts a session.
func (p *Portal) passkeyLoginFinish(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !p.checkCSRF(r) {
		writeJSONError(w, sesame.Errorf(sesame.EFORBIDDEN, "reload the page and try again"))
		return
	}
	body, err := readBody(r)
	if err != nil {
		p.jsonFail(w, err)
		return
	}
	ctx := auth.WithUserAgent(r.Context(), r.UserAgent())
	session, expires, err := p.cfg.Passkeys.FinishLogin(ctx, p.origin(r), p.takeCeremony(w, r), body)
	if err != nil {
		p.jsonFail(w, err)
		return
	}
	p.startSession(w, r, session, expires)
	writeJSON(w, http.StatusOK, map[string]string{"next": localPath(r.URL.Query().Get("next"))})
}

// startSession sets the session cookie (and drops the pre-login CSRF seed).
func (p *Portal) startSession(w http.ResponseWriter, r *http.Request, session string, expires time.Time) {
	maxAge := int(time.Until(expires).Seconds())
	if expires.IsZero() || maxAge <= 0 {
		maxAge = 0 // a browser-session cookie
	}
	p.setCookie(w, r, &http.Cookie{Name: SessionCookie, Value: session, MaxAge: maxAge, SameSite: http.SameSiteLaxMode})
	p.setCookie(w, r, &http.Cookie{Name: csrfCookie, Value: "", MaxAge: -1})
}

func (p *Portal) passkeyRegisterBegin(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.Passkeys == nil {
		writeJSONError(w, sesame.Errorf(sesame.ENOTFOUND, "passkeys are not available here"))
		return
	}
	opts, handle, err := p.cfg.Passkeys.BeginRegistration(r.Context(), sessionToken(r), p.origin(r))
	if err != nil {
		p.jsonFail(w, err)
		return
	}
	p.setCeremony(w, r, handle)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(opts)
}

func (p *Portal) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.Passkeys == nil {
		writeJSONError(w, sesame.Errorf(sesame.ENOTFOUND, "passkeys are not available here"))
		return
	}
	body, err := readBody(r)
	if err != nil {
		p.jsonFail(w, err)
		return
	}
	key, err := p.cfg.Passkeys.FinishRegistration(r.Context(), sessionToken(r), p.origin(r), p.takeCeremony(w, r), r.URL.Query().Get("name"), body)
	if err != nil {
		p.jsonFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": key.ID, "name": key.Name, "next": "/portal/account?done=passkey_added"})
}

func (p *Portal) mailAllowed(address string) bool {
	ok, _ := p.mails.Allow("mail:"+address, p.now())
	return ok
}
