package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	nethttp "net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/record"
)

// Roles of the consent issue's callers.
const (
	// RolePartner asks about people, within their consents only.
	RolePartner Role = "partner"
	// RolePerson is a person acting on their own data (/v1/me/…).
	RolePerson Role = "person"
)

// SessionCookie is the cookie a browser may carry a person's session in,
// instead of an Authorization header (the portal sets it HttpOnly).
const SessionCookie = "sesame_session"

// Trust is what the partner, consent and person routes need: credentials,
// consents, the gate in front of every score read, products and
// decisions. Build it, then call Server.UseTrust before Handler.
type Trust struct {
	Partners  *auth.Partners
	People    *auth.People
	Consents  *consent.Service
	Gate      *consent.Gate
	Decider   *policy.Decider
	Decisions sesame.DecisionStore
	// Badges holds what people chose to show social platforms.
	Badges sesame.BadgeStore
	// Record lets people add to their own record; nil: those routes are off.
	Record    *record.Service
	AccessLog sesame.AccessLog
	Limiter   *auth.Limiter
	// Clients limits each client's calls to the routes that need no
	// credentials (/v1/auth/login, /v1/auth/demo); nil: the defaults.
	Clients *auth.ClientLimiter
	// Scores is the person's own score (GET /v1/me/score), read without
	// consent and without an access entry: it is theirs.
	Scores sesame.ScoreReader
	// Demo marks every answer of these routes as demo mode and enables
	// POST /v1/auth/demo (log in as anyone).
	Demo bool
	// BaseURL is where approval links point ("" = from each request's Host).
	BaseURL string
}

// UseTrust wires the partner, consent and person routes and the partner
// key and person session credential checks. Call it before Handler.
func (s *Server) UseTrust(t *Trust) {
	if t.Limiter == nil {
		t.Limiter = auth.NewLimiter()
	}
	if t.Clients == nil {
		t.Clients = &auth.ClientLimiter{}
	}
	s.trust = t
	s.Auth.Add(func(r *nethttp.Request) (Principal, bool, error) {
		token, ok := bearer(r)
		if !ok || !auth.LooksLikeKey(token) {
			return Principal{}, false, nil
		}
		p, err := t.Partners.Authenticate(r.Context(), token)
		if err != nil {
			return Principal{}, false, err
		}
		return Principal{Role: RolePartner, Name: p.ID}, true, nil
	})
	s.Auth.Add(func(r *nethttp.Request) (Principal, bool, error) {
		token, ok := bearer(r)
		if !ok {
			c, err := r.Cookie(SessionCookie)
			if err != nil || c.Value == "" {
				return Principal{}, false, nil
			}
			token = c.Value
		}
		if !auth.LooksLikeSession(token) {
			return Principal{}, false, nil
		}
		person, err := t.People.Authenticate(r.Context(), token)
		if err != nil {
			return Principal{}, false, err
		}
		return Principal{Role: RolePerson, Name: person}, true, nil
	})
}

func trustOf(s *Server) *Trust { return s.trust }

// demoNotice is said in a header of every answer in demo mode.
const demoNotice = "demo mode: anyone can log in as anyone; do not use real data"

// trusted wraps a handler of these routes: demo-mode marking.
func (t *Trust) trusted(h handlerFunc) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request) error {
		if t.Demo {
			w.Header().Set("Sesame-Mode", demoNotice)
		}
		return h(w, r)
	}
}

// partner authenticates a partner and takes a token from its bucket.
func (s *Server) partner(w nethttp.ResponseWriter, r *nethttp.Request, t *Trust) (*sesame.Partner, error) {
	var partner *sesame.Partner
	if token, ok := bearer(r); ok && auth.LooksLikeKey(token) {
		// A partner key: check it here, which yields the partner itself
		// (rate limit, redirect URIs) without reading it a second time.
		p, err := t.Partners.Authenticate(r.Context(), token)
		if err != nil {
			return nil, err
		}
		partner = p
	} else {
		// Anyone else gets the authenticator's answer: 401, or 403 for
		// the wrong role.
		p, err := s.authorize(r, RolePartner)
		if err != nil {
			return nil, err
		}
		if partner, err = t.Partners.Store.Partner(r.Context(), p.Name); err != nil {
			return nil, err
		}
	}
	if ok, wait := t.Limiter.Allow(partner.ID, partner.RatePerSecond, partner.Burst, s.Now()); !ok {
		secs := int(wait/time.Second) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return nil, sesame.Errorf(sesame.ERATELIMITED, "rate limit of %s exceeded; retry after %d s", partner.ID, secs)
	}
	return partner, nil
}

// maxJSONBody bounds the small JSON bodies of these routes.
const maxJSONBody = 64 << 10

// decodeStrict reads one JSON object into v, refusing unknown fields,
// trailing data and bodies over maxJSONBody.
func decodeStrict(w nethttp.ResponseWriter, r *nethttp.Request, v any) error {
	if r.Header.Get("Content-Type") != "" {
		if err := requireJSON(r); err != nil {
			return err
		}
	}
	if r.ContentLength > maxJSONBody {
		return tooLarge(maxJSONBody)
	}
	body, err := io.ReadAll(nethttp.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *nethttp.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(maxJSONBody)
		}
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonBodyError(err)
	}
	if dec.More() {
		return sesame.Errorf(sesame.EINVALID, "the body must hold one JSON object")
	}
	return refuseDuplicateKeys(body)
}

// refuseDuplicateKeys: a key given twice is an error naming it, never
// "the last one wins".
func refuseDuplicateKeys(body []byte) error {
	if k := sesame.DuplicateKey(body); k != "" {
		return &sesame.Error{Code: sesame.EINVALID, Message: "the body gives " + k + " more than once",
			Details: []sesame.FieldError{{Field: k, Reason: "appears more than once; give each field once"}}}
	}
	return nil
}

// requireJSON refuses a body that is not declared application/json (in
// UTF-8): an upload that says it is something else is not guessed at.
func requireJSON(r *nethttp.Request) error {
	const want = "send the body as application/json"
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return &sesame.Error{Code: codeUnsupportedMediaType, Message: "the request has no Content-Type; " + want}
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &sesame.Error{Code: codeUnsupportedMediaType, Message: "the Content-Type " + quote(ct) + " is not accepted here; " + want}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &sesame.Error{Code: codeUnsupportedMediaType, Message: "the body must be UTF-8, not " + quote(cs) + "; " + want}
	}
	return nil
}

// baseURL is where links to this server point.
func (t *Trust) baseURL(r *nethttp.Request) string {
	if t.BaseURL != "" {
		return strings.TrimRight(t.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
