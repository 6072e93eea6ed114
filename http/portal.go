package http

import (
	nethttp "net/http"
	"sync"
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

// mounted holds each server's mounters. A map beside the Server rather than
// a field of it, so that this file is the whole change; fold it into Server
// when that struct is next edited.
var mounted sync.Map // *Server → []Mounter

// Mount adds m's routes to the server. Call it before Handler or
// ListenAndServe, like setting a service field.
func (s *Server) Mount(m Mounter) {
	prev, _ := mounted.Load(s)
	list, _ := prev.([]Mounter)
	mounted.Store(s, append(list, m))
}

func init() { addRouteGroup("mounted", (*Server).registerMounted) }

func (s *Server) registerMounted(mux *nethttp.ServeMux) {
	v, _ := mounted.Load(s)
	list, _ := v.([]Mounter)
	for _, m := range list {
		m.Mount(mux)
	}
}
