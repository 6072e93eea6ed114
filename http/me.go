package http

import (
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/score"
)

// registerMe: a person's own API. The person is always the session's,
// never a parameter, so nobody can act on someone else's records.
func (s *Server) registerMe(mux *nethttp.ServeMux) {
	t := trustOf(s)
	if t == nil || t.People == nil {
		return
	}
	s.handle(mux, "GET /v1/me", noStore(t.trusted(s.handleMe)))
	if t.Scores != nil {
		s.handle(mux, "GET /v1/me/score", t.trusted(s.handleMyScore))
	}
	s.handle(mux, "GET /v1/me/consents", t.trusted(s.handleMyConsents))
	s.handle(mux, "POST /v1/me/consents", t.trusted(s.handleGrantConsent))
	s.handle(mux, "DELETE /v1/me/consents/{id}", t.trusted(s.handleRevokeConsent))
	s.handle(mux, "GET /v1/me/consent-requests", t.trusted(s.handleMyRequests))
	s.handle(mux, "GET /v1/me/consent-requests/{id}", t.trusted(s.handleMyRequest))
	s.handle(mux, "POST /v1/me/consent-requests/{id}/approve", t.trusted(s.handleAnswerRequest(true)))
	s.handle(mux, "POST /v1/me/consent-requests/{id}/decline", t.trusted(s.handleAnswerRequest(false)))
	s.handle(mux, "GET /v1/me/access-log", t.trusted(s.handleAccessLog))
	s.handle(mux, "GET /v1/access-log/heads", s.handleAccessHeads)
	if t.Decisions != nil {
		s.handle(mux, "GET /v1/me/decisions", t.trusted(s.handleMyDecisions))
	}
}

// noStore marks every answer of the person's own API, errors included,
// as not to be stored by any cache: it is one person's data, and a shared
// or browser cache would show it to the next user of the machine.
func noStore(h handlerFunc) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		return h(w, r)
	}
}

// me authenticates the person. A state change carried by a cookie (not an
// Authorization header, which a foreign page cannot set) must come from
// our own origin: that is the CSRF defence of this API.
func (s *Server) me(r *nethttp.Request) (string, error) {
	p, err := s.authorize(r, RolePerson)
	if err != nil {
		return "", err
	}
	if r.Method != nethttp.MethodGet && r.Method != nethttp.MethodHead {
		if _, ok := bearer(r); !ok {
			if err := checkSameOrigin(r); err != nil {
				return "", err
			}
		}
	}
	return p.Name, nil
}

func checkSameOrigin(r *nethttp.Request) error {
	if _, ok := bearer(r); ok {
		return nil
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = r.Header.Get("Referer")
	}
	u, err := url.Parse(origin)
	if origin == "" || err != nil || u.Host != r.Host {
		return sesame.Errorf(sesame.EFORBIDDEN, "a change made with the session cookie must come from this site (Origin %q does not match)", origin)
	}
	return nil
}

func (s *Server) handleMe(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	t := trustOf(s)
	writeJSON(w, nethttp.StatusOK, map[string]any{"person": person, "demo": t.Demo, "mode": t.mode()})
	return nil
}

func (s *Server) handleMyScore(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	sc, err := trustOf(s).Scores.LatestScore(r.Context(), person)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, nethttp.StatusOK, sc)
	return nil
}

func (s *Server) handleMyConsents(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("all") == "true"
	cs, err := trustOf(s).Consents.List(r.Context(), person, all)
	if err != nil {
		return err
	}
	p, err := pageList(r.URL.Query(), cs, defaultPageLimit, newestFirst,
		func(c *sesame.Consent) listKey { return timeKey(c.GrantedAt, c.ID) }, "all")
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, listAnswer("consents", p))
	return nil
}

type grantRequest struct {
	Partner      string         `json:"partner"`
	Purpose      sesame.Purpose `json:"purpose"`
	Scope        sesame.Scope   `json:"scope"`
	ExpiresAt    *time.Time     `json:"expires_at,omitempty"`
	DurationDays int            `json:"duration_days,omitempty"`
	Thresholds   []int          `json:"thresholds,omitempty"` // threshold scope: the scores the partner may ask about
	// Badge is, for a social_badge consent, what the person chooses to
	// show the platform ("band_at_least:good" or "verified_clean").
	Badge string `json:"badge,omitempty"`
}

func (s *Server) handleGrantConsent(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	var in grantRequest
	if err := decodeStrict(w, r, &in); err != nil {
		return err
	}
	var expires time.Time
	switch {
	case in.ExpiresAt != nil && in.DurationDays != 0:
		return sesame.Errorf(sesame.EINVALID, "give expires_at or duration_days, not both")
	case in.ExpiresAt != nil:
		expires = *in.ExpiresAt
	case in.DurationDays > 0 && in.DurationDays <= 732:
		expires = s.Now().Add(time.Duration(in.DurationDays) * 24 * time.Hour)
	case in.DurationDays != 0:
		return sesame.Errorf(sesame.EINVALID, "duration_days: use 1–732")
	default:
		expires = s.Now().Add(consent.DefaultDuration)
	}
	claim, err := badgeOfGrant(in)
	if err != nil {
		return err
	}
	c, err := trustOf(s).Consents.Grant(r.Context(), person, in.Partner, in.Purpose, in.Scope, expires, in.Thresholds)
	if err != nil {
		return err
	}
	if err := s.chooseBadge(r.Context(), c, claim); err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/me/consents/"+c.ID)
	writeJSON(w, nethttp.StatusCreated, c)
	return nil
}

func (s *Server) handleRevokeConsent(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	if err := trustOf(s).Consents.Revoke(r.Context(), person, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

func (s *Server) handleMyRequests(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	rs, err := trustOf(s).Consents.Pending(r.Context(), person)
	if err != nil {
		return err
	}
	p, err := pageList(r.URL.Query(), rs, defaultPageLimit, newestFirst,
		func(c *sesame.ConsentRequest) listKey { return timeKey(c.CreatedAt, c.ID) })
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, listAnswer("requests", p))
	return nil
}

func (s *Server) handleMyRequest(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	t := trustOf(s)
	cr, err := t.Consents.RequestForPerson(r.Context(), person, r.PathValue("id"))
	if err != nil {
		return err
	}
	partnerName := cr.Partner
	if p, err := t.Partners.Store.Partner(r.Context(), cr.Partner); err == nil {
		partnerName = p.Name
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"request": cr, "partner_name": partnerName})
	return nil
}

// handleAnswerRequest approves or declines. A browser form post is
// answered with a redirect to the partner (303); an API call gets JSON
// with redirect_to.
func (s *Server) handleAnswerRequest(approve bool) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request) error {
		person, err := s.me(r)
		if err != nil {
			return err
		}
		cr, to, err := trustOf(s).Consents.Answer(r.Context(), person, r.PathValue("id"), approve)
		if err != nil {
			return err
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && to != "" {
			nethttp.Redirect(w, r, to, nethttp.StatusSeeOther)
			return nil
		}
		writeJSON(w, nethttp.StatusOK, map[string]any{"request": cr, "redirect_to": to})
		return nil
	}
}

func (s *Server) handleAccessLog(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	t := trustOf(s)
	// The store reads the page from the cursor's seq down, so that only
	// its own entries are read and proved, however long the log.
	p, err := pageFrom(r.URL.Query(), defaultPageLimit,
		func(e *sesame.AccessEntry) listKey { return listKey{At: e.Seq} },
		func(c listKey, after bool, n int) ([]*sesame.AccessEntry, error) {
			var before int64
			if after {
				before = max(c.At, 1) // seqs start at 1: nothing is before it
			}
			return t.AccessLog.AccessEntriesBefore(r.Context(), person, before, n)
		}, "verify")
	if err != nil {
		return err
	}
	// Every entry comes with its proof of inclusion under the latest
	// signed head (or the current root, for entries newer than it); the
	// person learns the root and the signed head, not others' entries;
	// "entries" counts the person's own, proved here. Only the last page
	// ends at the person's first entry.
	v, err := audit.VerifyView(r.Context(), t.AccessLog, p.Items, p.Next == "")
	if err != nil {
		return err
	}
	out := listAnswer("entries", listPage[audit.ViewEntry]{Items: nonNilSlice(v.Entries), Next: p.Next})
	out["head"] = v.Head
	out["chain"] = map[string]any{"ok": v.OK, "entries": len(v.Entries), "root": v.Root, "problems": nonNilSlice(v.Problems)}
	writeJSON(w, nethttp.StatusOK, out)
	return nil
}

// handleMyDecisions shows the person every decision made about them, with
// the input it was made on (their own data) and the reasons.
func (s *Server) handleMyDecisions(w nethttp.ResponseWriter, r *nethttp.Request) error {
	person, err := s.me(r)
	if err != nil {
		return err
	}
	p, err := pageFrom(r.URL.Query(), defaultPageLimit,
		func(d *sesame.Decision) listKey { return timeKey(d.CreatedAt, d.ID) },
		func(c listKey, after bool, n int) ([]*sesame.Decision, error) {
			var at sesame.Position
			if after {
				at = c.position()
			}
			return trustOf(s).Decisions.DecisionsAboutAfter(r.Context(), person, at, n)
		})
	if err != nil {
		return err
	}
	// The person reads them in their language; the stored ones stay English.
	w.Header().Set("Vary", "Accept-Language")
	if lang := score.PreferredLanguage(r.Header.Get("Accept-Language")); lang != "en" {
		for i, d := range p.Items {
			c := *d
			c.Result = policy.LocalizedResult(d.Result, d.Input.Reasons, lang)
			c.Input.Reasons = score.Localized(&sesame.Score{Reasons: d.Input.Reasons}, lang).Reasons
			p.Items[i] = &c
		}
	}
	writeJSON(w, nethttp.StatusOK, listAnswer("decisions", p))
	return nil
}

// handleAccessHeads publishes the access log's signed heads, newest first
// (?limit=, default 1: the latest), to anyone: auditors keep them, and
// `sesame audit verify --heads` checks that the log still extends each.
func (s *Server) handleAccessHeads(w nethttp.ResponseWriter, r *nethttp.Request) error {
	// Heads are paged as the store sorts them, by signing time then size
	// (a head may be signed again at the same size); the cursor holds both.
	log := trustOf(s).AccessLog
	var latest *sesame.SignedHead
	p, err := pageFrom(r.URL.Query(), 1,
		func(h *sesame.SignedHead) listKey {
			return listKey{At: h.At.UnixNano(), ID: strconv.FormatInt(h.Size, 10)}
		},
		func(c listKey, after bool, n int) ([]*sesame.SignedHead, error) {
			if !after {
				hs, err := log.AccessHeads(r.Context(), n)
				if len(hs) > 0 {
					latest = hs[0]
				}
				return hs, err
			}
			size, err := strconv.ParseInt(c.ID, 10, 64)
			if err != nil {
				return nil, invalidQuery([]sesame.FieldError{badCursor})
			}
			return log.AccessHeadsAfter(r.Context(), time.Unix(0, c.At), size, n)
		})
	if err != nil {
		return err
	}
	if latest == nil {
		hs, err := log.AccessHeads(r.Context(), 1)
		if err != nil {
			return err
		}
		if len(hs) > 0 {
			latest = hs[0]
		}
	}
	out := listAnswer("heads", p)
	if latest != nil {
		out["head"] = latest
	}
	writeJSON(w, nethttp.StatusOK, out)
	return nil
}
