package portal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// contentSecurityPolicy allows nothing from other origins and no inline
// script at all: the portal's only script is /portal/static/portal.js.
// Charts are inline SVG with presentation attributes (not style
// attributes), and the QR code is a data: PNG, hence img-src data:.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// Cookie names. The session cookie is shared with the auth package's API
// (it accepts the same token as a Bearer header).
const (
	SessionCookie = "sesame_session"
	csrfCookie    = "sesame_csrf" // before login: the seed of the double-submit token
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// secureHeaders sets the headers every portal response carries.
func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	// Verify links carry tokens in the query: never send them to another
	// site. (Not "no-referrer": Chrome then sends "Origin: null" on our own
	// form posts, which the CSRF check must refuse.)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

// secureRequest reports whether cookies must carry Secure: the request came
// over TLS, or through a proxy (trusted by flag) that says it did. Plain
// HTTP is only served on loopback by default (sesame serve binds
// 127.0.0.1), where browsers would drop a Secure cookie on a non-localhost
// name; that is the one case without the flag.
func (p *Portal) secureRequest(r *http.Request) bool {
	if p.cfg.ForceSecureCookies || r.TLS != nil {
		return true
	}
	return p.cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (p *Portal) setCookie(w http.ResponseWriter, r *http.Request, c *http.Cookie) {
	c.Path = "/"
	c.HttpOnly = true
	c.Secure = p.secureRequest(r)
	if c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	http.SetCookie(w, c)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfSeed is what the CSRF token is bound to: the session token when logged
// in (synchronizer token derived from the session, so it dies with it), else
// a random pre-login cookie (double submit). ensure sets that cookie.
func (p *Portal) csrfSeed(w http.ResponseWriter, r *http.Request, ensure bool) string {
	if s := sessionToken(r); s != "" {
		return "s:" + s
	}
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return "a:" + c.Value
	}
	if !ensure || w == nil {
		return ""
	}
	v := randomToken()
	p.setCookie(w, r, &http.Cookie{Name: csrfCookie, Value: v, SameSite: http.SameSiteStrictMode})
	// Later handlers of this same request must see it too.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	return "a:" + v
}

func (p *Portal) csrfFor(seed string) string {
	if seed == "" {
		return ""
	}
	m := hmac.New(sha256.New, p.csrfKey)
	m.Write([]byte("sesame portal csrf\x00" + seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF guards every state change: the request must come from our own
// pages (Origin, or Sec-Fetch-Site when a browser sends no Origin) and carry
// the token of its session.
func (p *Portal) checkCSRF(r *http.Request) bool {
	if !sameOrigin(r) {
		return false
	}
	want := p.csrfFor(p.csrfSeed(nil, r, false))
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return want != "" && hmac.Equal([]byte(got), []byte(want))
}

func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		return err == nil && strings.EqualFold(u.Host, r.Host)
	}
	if o := r.Header.Get("Origin"); o == "null" {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

// sessionToken is the person's session: the cookie, or a Bearer header for
// scripts using the same endpoints.
func sessionToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// limitClient answers 429 to a client that calls a page needing no login
// faster than Config.Clients allows: a page for people, JSON for scripts.
// Behind a trusted proxy the client is the address the proxy saw.
func (p *Portal) limitClient(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		addr := r.RemoteAddr
		if p.cfg.TrustProxy {
			if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
				addr = strings.TrimSpace(xff[strings.LastIndexByte(xff, ',')+1:])
			}
		}
		ok, wait := p.cfg.Clients.Allow(addr, p.now())
		if ok {
			h(w, r)
			return
		}
		secs := int(wait/time.Second) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		if wantsJSON(r) {
			writeJSONError(w, sesame.Errorf(sesame.ERATELIMITED, "too many requests from your address; retry after %d s", secs))
			return
		}
		v := p.newView(w, r, "error.title", "")
		v.Error = v.L.T("error.rate_limited", secs)
		p.render(w, http.StatusTooManyRequests, "error", v)
	}
}
