package http

import (
	nethttp "net/http"
)

// Mounter is a set of routes built outside this package — the person's
// portal (package portal), which serves HTML, not this package's JSON —
// that registers itself on the server's mux. It still gets every
// middleware of the server: request ids, logs (path only, never the query,
// so credential tokens in /verify?c=… stay out of them), metrics, panic
// recovery and limits.
type Mounter interface {
	Mount(mux *nethttp.ServeMux)
}

// Mount adds m's routes to the server. Call it before Handler or
// ListenAndServe, like setting a service field.
func (s *Server) Mount(m Mounter) {
	s.mounted = append(s.mounted, m)
}

func (s *Server) registerMounted(mux *nethttp.ServeMux) {
	for _, m := range s.mounted {
		m.Mount(mux)
	}
}
