package http

import (
	nethttp "net/http"
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
)

// registerMeAuth: a person logs in with a one-time login link token (from
// `sesame person login-link` or, in demo mode, from the login page) and
// gets a session token; the portal keeps it in the sesame_session cookie.
func (s *Server) registerMeAuth(mux *nethttp.ServeMux) {
	t := trustOf(s)
	if t == nil || t.People == nil {
		return
	}
	s.handle(mux, "POST /v1/auth/login", s.limitClient(t.trusted(s.handleLogin)))
	s.handle(mux, "POST /v1/auth/logout", t.trusted(s.handleLogout))
	s.handle(mux, "POST /v1/auth/demo", s.limitClient(t.trusted(s.handleDemoLogin)))
}

// limitClient answers 429 to a client (an IP address) that calls a route
// needing no credentials faster than Trust.Clients allows.
func (s *Server) limitClient(h handlerFunc) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request) error {
		if ok, wait := trustOf(s).Clients.Allow(r.RemoteAddr, s.Now()); !ok {
			secs := int(wait/time.Second) + 1
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			return sesame.Errorf(sesame.ERATELIMITED, "too many requests from your address; retry after %d s", secs)
		}
		return h(w, r)
	}
}

type sessionAnswer struct {
	Session   string    `json:"session"`
	Person    string    `json:"person,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	Mode      string    `json:"mode,omitempty"`
}

func (s *Server) handleLogin(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeStrict(w, r, &in); err != nil {
		return err
	}
	session, expires, err := t.People.RedeemLoginLink(auth.WithUserAgent(r.Context(), r.UserAgent()), in.Token)
	if err != nil {
		return err
	}
	person, _ := t.People.Authenticate(r.Context(), session)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, nethttp.StatusOK, sessionAnswer{Session: session, Person: person, ExpiresAt: expires, Mode: t.mode()})
	return nil
}

func (t *Trust) mode() string {
	if t.Demo {
		return demoNotice
	}
	return ""
}

func (s *Server) handleLogout(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	if _, err := s.authorize(r, RolePerson); err != nil {
		return err
	}
	if err := checkSameOrigin(r); err != nil {
		return err
	}
	end := t.People.Logout
	if r.URL.Query().Get("everywhere") == "true" {
		end = t.People.LogoutEverywhere
	}
	if err := end(r.Context(), sessionTokenOf(r)); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

// handleDemoLogin logs anyone in as the person they name: demo mode only,
// and said so in the answer.
func (s *Server) handleDemoLogin(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	var in struct {
		Person string `json:"person"`
	}
	if err := decodeStrict(w, r, &in); err != nil {
		return err
	}
	session, expires, err := t.People.DemoLogin(auth.WithUserAgent(r.Context(), r.UserAgent()), in.Person)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, nethttp.StatusOK, sessionAnswer{Session: session, Person: in.Person, ExpiresAt: expires, Mode: demoNotice})
	return nil
}

// sessionTokenOf returns the session token a request carries: the bearer
// token, else the cookie.
func sessionTokenOf(r *nethttp.Request) string {
	if token, ok := bearer(r); ok {
		return token
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}
