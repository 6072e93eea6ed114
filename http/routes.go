package http

import (
	nethttp "net/http"
	"sort"

	"github.com/sesame-credit/sesame"
)

// A route group is the routes of one file. To add one, write in a new file:
//
//	func init() { addRouteGroup("scores", (*Server).registerScores) }
//
//	func (s *Server) registerScores(mux *nethttp.ServeMux) {
//		if s.Scores == nil {
//			return // not wired: the routes answer 404
//		}
//		s.handle(mux, "GET /v1/people/{id}/score", s.handleScore)
//	}
//
// and describe the routes in openapi.json (a test checks that every
// registered route is there).
type routeGroup struct {
	name     string
	register func(s *Server, mux *nethttp.ServeMux)
}

var routeGroups []routeGroup

func addRouteGroup(name string, register func(s *Server, mux *nethttp.ServeMux)) {
	for _, g := range routeGroups {
		if g.name == name {
			panic("http: duplicate route group " + name)
		}
	}
	routeGroups = append(routeGroups, routeGroup{name, register})
}

// handlerFunc is a handler that returns its error instead of writing it:
// handle writes the one error shape (see errors.go), so no handler formats
// an error itself.
type handlerFunc func(w nethttp.ResponseWriter, r *nethttp.Request) error

// handle registers h for a Go 1.22 pattern ("METHOD /path/{var}").
func (s *Server) handle(mux *nethttp.ServeMux, pattern string, h handlerFunc) {
	s.patterns = append(s.patterns, pattern)
	checkQ, allowed := checksQuery(pattern), queryParams[pattern]
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
