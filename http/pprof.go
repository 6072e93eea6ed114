package http

import (
	nethttp "net/http"
	"net/http/pprof"
)

// registerPprof serves the runtime profiles under /debug/pprof/ when
// Config.Pprof is set. They reveal the program's internals and can cost CPU,
// so only operators may fetch them.
func (s *Server) registerPprof(mux *nethttp.ServeMux) {
	if !s.cfg.Pprof {
		return
	}
	operatorOnly := func(h nethttp.Handler) nethttp.Handler {
		return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
			if _, err := s.authorize(r, RoleOperator); err != nil {
				s.writeError(w, r, err)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	s.handleStd(mux, "GET /debug/pprof/", operatorOnly(nethttp.HandlerFunc(pprof.Index)))
	s.handleStd(mux, "GET /debug/pprof/cmdline", operatorOnly(nethttp.HandlerFunc(pprof.Cmdline)))
	s.handleStd(mux, "GET /debug/pprof/profile", operatorOnly(nethttp.HandlerFunc(pprof.Profile)))
	s.handleStd(mux, "GET /debug/pprof/symbol", operatorOnly(nethttp.HandlerFunc(pprof.Symbol)))
	s.handleStd(mux, "GET /debug/pprof/trace", operatorOnly(nethttp.HandlerFunc(pprof.Trace)))
}
