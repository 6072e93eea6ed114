// Package portal is the person's web portal: their score with charts,
// benefits, consents, access log, data and disputes, and the credentials
// they share — plus the public credential verification page and the JWKS.
//
// Pages are rendered on the server with html/template from embedded files
// and work without JavaScript; one small embedded script adds the what-if
// answer in place and copy buttons. Charts are SVG drawn in Go. Nothing is
// built at release time and nothing loads from another origin.
//
// Mount it on the server's mux: portal.New(cfg) then p.Mount(mux).
package portal

import (
	"crypto/rand"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/credential"
)

// Config wires the portal to the rest of Sesame. Auth and Scores are
// required; every other dependency is optional.
type Config struct {
	Auth     Auth
	Scores   Scores
	Events   Events
	Disputes Disputes
	// DisputeStatus, when set, gives each dispute's status, deadline and
	// outcome for the My data page and the export.
	DisputeStatus DisputeReader
	// Notices, when set, gives the person's inbox to the export, and
	// Decisions the decisions partners made about them.
	Notices   NoticeReader
	Decisions DecisionReader
	// MailAddress, when set, gives the export the address the person's
	// notices are mailed to.
	MailAddress MailAddressReader
	Consents    Consents
	AccessLog   AccessLog
	Benefits    Benefits
	Credentials *credential.Service
	Record      Record            // the person's additions to their record
	Badges      sesame.BadgeStore // what the person shows social platforms
	Eraser      sesame.Eraser     // erases the person who asks; nil: no erasure page
	// SignIn, when set, lets people log in with their e-mail or phone and
	// manage their sessions; Mail sends the login links (nil: not mailed);
	// Passkeys, when set, adds passkeys. See signin.go.
	SignIn   SignIn
	Mail     Mailer
	Passkeys Passkeys
	// Account, when set, gives the export the person's contacts, sessions
	// and passkeys. auth.Account implements it.
	Account AccountExporter

	// BaseURL is the public URL of the server (for verify links in
	// credentials and QR codes); empty derives it from each request.
	BaseURL string
	// TrustProxy lets X-Forwarded-Proto say the request came over HTTPS.
	TrustProxy bool
	// ForceSecureCookies sets Secure on every cookie even on plain HTTP.
	ForceSecureCookies bool
	// DemoMode says on every page that this is a demo (login links shown on screen).
	DemoMode bool
	// CSRFKey signs CSRF tokens; empty generates one per process (tokens
	// then do not survive a restart, which only costs a reloaded form).
	CSRFKey []byte
	// Clients limits each client's calls to the pages that need no login
	// (asking for and using a login link, /verify); nil: the defaults.
	Clients *auth.ClientLimiter
	Log     *slog.Logger
	// Outage, when set, tells a database that cannot answer for now from a
	// fault: such pages are answered 503 with Retry-After, not 500.
	Outage func(error) bool
	Now    func() time.Time
}

// Portal serves the portal's pages. Create it with New.
type Portal struct {
	cfg      Config
	catalogs map[string]catalog
	pages    map[string]*template.Template
	csrfKey  []byte
	log      *slog.Logger
	mails    *auth.ClientLimiter // login mails per address (see signin.go)
}

// New checks the configuration and parses the embedded templates and catalogs.
func New(cfg Config) (*Portal, error) {
	if cfg.Auth == nil || cfg.Scores == nil {
		return nil, errors.New("portal: Auth and Scores are required")
	}
	if cfg.Clients == nil {
		cfg.Clients = &auth.ClientLimiter{}
	}
	p := &Portal{cfg: cfg, csrfKey: cfg.CSRFKey, log: cfg.Log, mails: &auth.ClientLimiter{Rate: loginMailRate, Burst: loginMailBurst}}
	if p.log == nil {
		p.log = slog.Default()
	}
	if len(p.csrfKey) == 0 {
		p.csrfKey = make([]byte, 32)
		rand.Read(p.csrfKey)
	}
	var err error
	if p.catalogs, err = loadCatalogs(); err != nil {
		return nil, err
	}
	if p.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Portal) now() time.Time {
	if p.cfg.Now != nil {
		return p.cfg.Now()
	}
	return time.Now()
}

// Mount registers the portal's routes on mux:
//
//	/                       → redirect to /portal/
//	/portal/…               the person's pages (login required except login)
//	/portal/static/…        embedded CSS and script
//	/verify                 public credential check (HTML, or JSON on Accept: application/json)
//	/.well-known/jwks.json  the credential signing keys
//	/statuslists/1          the credentials' revocation status list (signed JWT)
func (p *Portal) Mount(mux *http.ServeMux) {
	// Every response, redirects included, carries the security headers.
	handleH := func(pattern string, h http.Handler) {
		mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			secureHeaders(w)
			h.ServeHTTP(w, r)
		}))
	}
	handle := func(pattern string, h http.HandlerFunc) { handleH(pattern, h) }

	handleH("GET /{$}", http.RedirectHandler("/portal/", http.StatusSeeOther))
	handleH("GET /portal/static/", p.static())

	handle("GET /portal/login", p.loginPage)
	handle("POST /portal/login", p.limitClient(p.loginSubmit))
	handle("GET /portal/auth", p.limitClient(p.loginConfirm))
	handle("POST /portal/auth", p.limitClient(p.loginRedeem))
	handle("POST /portal/logout", p.logout)
	handle("POST /portal/lang", p.switchLanguage)
	if p.cfg.Passkeys != nil {
		handle("POST /portal/passkey/begin", p.limitClient(p.passkeyLoginBegin))
		handle("POST /portal/passkey/finish", p.limitClient(p.passkeyLoginFinish))
	}

	handle("GET /portal/{$}", p.personal(p.home))
	handle("POST /portal/what-if", p.personal(p.whatIf))
	handle("GET /portal/benefits", p.personal(p.benefits))
	handle("GET /portal/consents", p.personal(p.consents))
	handle("POST /portal/consents/{id}/revoke", p.personal(p.consentAction))
	handle("POST /portal/requests/{id}/{action}", p.personal(p.requestAction))
	handle("POST /portal/badges/{partner}", p.personal(p.changeBadge))
	handle("GET /portal/access-log", p.personal(p.accessLog))
	handle("GET /portal/data", p.personal(p.myData))
	handle("GET /portal/data/export.json", p.personal(p.export))
	handle("GET /portal/data/export.zip", p.personal(p.exportArchive))
	handle("POST /portal/data/dispute", p.personal(p.dispute))
	handle("GET /portal/erase", p.personal(p.erasePage))
	handle("POST /portal/erase", p.personal(p.erase))
	handle("GET /portal/share", p.personal(p.share))
	handle("POST /portal/share", p.personal(p.issueCredential))
	handle("POST /portal/share/{id}/revoke", p.personal(p.revokeCredential))
	handle("GET /portal/record", p.personal(p.record))
	handle("POST /portal/record", p.personal(p.addToRecord))
	handle("POST /portal/record/{id}/remove", p.personal(p.removeAddition))
	handle("GET /portal/account", p.personal(p.account))
	handle("POST /portal/account/sessions/{id}/revoke", p.personal(p.revokeSession))
	handle("POST /portal/account/logout-everywhere", p.personal(p.logoutEverywhere))
	handle("POST /portal/account/passkeys/begin", p.personal(p.passkeyRegisterBegin))
	handle("POST /portal/account/passkeys/finish", p.personal(p.passkeyRegisterFinish))
	handle("POST /portal/account/passkeys/{id}/remove", p.personal(p.removePasskey))

	handle("GET /portal/", p.notFound) // any other page: an HTML 404, not the API's JSON one

	handle("GET /verify", p.limitClient(p.verify))
	handle("GET /.well-known/jwks.json", p.jwks)
	handle("GET "+credential.StatusListPath, p.statusList)
}

// Handler returns the portal alone on its own mux (for tests and for
// servers that prefer to mount one handler).
func (p *Portal) Handler() http.Handler {
	mux := http.NewServeMux()
	p.Mount(mux)
	return mux
}
