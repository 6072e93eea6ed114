package http

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPICoversTrustRoutes: the partner, consent and person routes
// (registered only when Trust is wired) are all in openapi.json.
func TestOpenAPICoversTrustRoutes(t *testing.T) {
	ts := newTrustServer(t, false)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range ts.srv.Patterns() {
		method, path, _ := strings.Cut(p, " ")
		if strings.HasPrefix(path, "/debug/pprof/") {
			continue
		}
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %q is not in openapi.json", p)
		}
	}
}
