package http

import (
	_ "embed"
	nethttp "net/http"
)

// openAPIDocument describes every route of the API (OpenAPI 3.1). Whoever
// adds a route adds it there too: TestOpenAPICoversRoutes fails otherwise.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the embedded OpenAPI 3.1 document.
func OpenAPI() []byte { return openAPIDocument }

func (s *Server) registerOpenAPI(mux *nethttp.ServeMux) {
	s.handle(mux, "GET /openapi.json", func(w nethttp.ResponseWriter, r *nethttp.Request) error {
		w.Header().Set("Cache-Control", "public, max-age=300")
		writeBody(w, nethttp.StatusOK, "application/json", openAPIDocument)
		return nil
	})
}
