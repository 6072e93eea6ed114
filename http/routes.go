package http

import (
	nethttp "net/http"
	"sort"
	"strings"

	"github.com/sesame-credit/sesame"
)

// routes registers every route group, each the routes of one file. To
// add a group, write its register method (it returns without registering
// when the service it needs is not wired: its routes then answer 404), call
// it here, and describe its routes in openapi.json (a test checks that
// every registered route is there).
func (s *Server) routes(mux *nethttp.ServeMux) {
	s.registerConsentRequests(mux)
	s.registerDisputes(mux)
	s.registerEvents(mux)
	s.registerHealth(mux)
	s.registerMe(mux)
	s.registerMeAuth(mux)
	s.registerMeRecord(mux)
	s.registerMetrics(mux)
	s.registerNotices(mux)
	s.registerOpenAPI(mux)
	s.registerOperatorPartners(mux)
	s.registerOperatorProducts(mux)
	s.registerPartnerAPI(mux)
	s.registerPartnerDecisions(mux)
	s.registerMounted(mux)
	s.registerPprof(mux)
	s.registerScores(mux)
	s.registerWatermarks(mux)
	s.registerErasure(mux)
	s.registerMail(mux)
}

// handlerFunc is a handler that returns its error instead of writing it:
// handle writes the one error shape (see errors.go), so no handler formats
// an error itself.
type handlerFunc func(w nethttp.ResponseWriter, r *nethttp.Request) error

// handle registers h for a Go 1.22 pattern ("METHOD /path/{var}").
func (s *Server) handle(mux *nethttp.ServeMux, pattern string, h handlerFunc) {
	s.patterns = append(s.patterns, pattern)
	checkQ, allowed := checksQuery(pattern), queryParams[pattern]
	if _, path, _ := strings.Cut(pattern, " "); strings.HasPrefix(path, "/v1/me/") {
		// A person's own data: no browser or proxy may keep a copy.
		h = noStore(h)
	}
	mux.HandleFunc(pattern, func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if checkQ && r.URL.RawQuery != "" {
			if err := checkQuery(r.URL.Query(), allowed...); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// handleStd registers a plain net/http handler (pprof, promhttp) under pattern.
func (s *Server) handleStd(mux *nethttp.ServeMux, pattern string, h nethttp.Handler) {
	s.patterns = append(s.patterns, pattern)
	mux.Handle(pattern, h)
}

// Patterns returns the registered route patterns, sorted.
func (s *Server) Patterns() []string {
	s.Handler()
	p := append([]string(nil), s.patterns...)
	sort.Strings(p)
	return p
}

// dispatch routes through mux, but answers the mux's own 404 and 405 in the
// JSON error shape: the mux writes those as plain text.
func (s *Server) dispatch(mux *nethttp.ServeMux) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			stateOf(r).pattern = pattern
			mux.ServeHTTP(w, r)
			return
		}
		// No route: let the mux decide between 404 and 405 (and the Allow
		// header) without letting it write the body.
		rec := &statusRecorder{header: nethttp.Header{}}
		h.ServeHTTP(rec, r)
		if rec.status == nethttp.StatusMethodNotAllowed {
			allow := rec.header.Get("Allow")
			w.Header().Set("Allow", allow)
			s.writeError(w, r, &sesame.Error{Code: codeMethodNotAllowed,
				Message: r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + allow})
			return
		}
		s.writeError(w, r, sesame.Errorf(sesame.ENOTFOUND, "no route %s %s; the API is described at /openapi.json", r.Method, r.URL.Path))
	})
}

// statusRecorder keeps the status and headers a handler writes and drops the body.
type statusRecorder struct {
	header nethttp.Header
	status int
}

func (r *statusRecorder) Header() nethttp.Header { return r.header }
func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *statusRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(nethttp.StatusOK)
	return len(b), nil
}
