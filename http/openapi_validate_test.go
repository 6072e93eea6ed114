package http

import (
	"encoding/json"
	nethttp "net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sesame-credit/sesame/http/openapitest"
)

// Every response the package's tests receive through newTestServer and
// newTrustServer is validated against openapi.json (status, content type,
// body schema), so that the document cannot drift from what the server
// answers.

// apiSpec checks answers against openapi.json.
var apiSpec = openapitest.New(openAPIDocument)

// checkOpenAPI validates one response in a test (not in benchmarks or
// fuzzing, whose figures and speed it would distort).
func checkOpenAPI(tb testing.TB, req *nethttp.Request, status int, header nethttp.Header, body []byte) {
	t, ok := tb.(*testing.T)
	if !ok {
		return
	}
	t.Helper()
	recordValidated(req, status)
	for _, p := range apiSpec.Problems(req, status, header, body) {
		t.Errorf("%s %s → %d does not match openapi.json: %s\nbody: %.300s", req.Method, req.URL.RequestURI(), status, p, body)
	}
}

// validating wraps a handler so that every response it writes is checked.
func validating(t testing.TB, h nethttp.Handler) nethttp.Handler {
	return openapitest.Handler(h, func(r *nethttp.Request, status int, header nethttp.Header, body []byte) {
		checkOpenAPI(t, r, status, header, body)
	})
}

// TestOpenAPIValidationCatchesDrift: the check is not a formality — a body
// of the wrong shape, an undocumented status and an error in another shape
// are all reported.
func TestOpenAPIValidationCatchesDrift(t *testing.T) {
	for _, c := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/healthz", 200, `{"status":5}`},
		{"GET", "/v1/people/p1/events", 200, `{"events":"none"}`},
		{"GET", "/v1/people/p1/score", 418, `{}`},
		{"GET", "/v1/people/p1/score", 404, `{"message":"no score"}`},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		h := nethttp.Header{"Content-Type": {"application/json"}}
		if p := apiSpec.Problems(req, c.status, h, []byte(c.body)); len(p) == 0 {
			t.Errorf("%s %s → %d %s passed validation", c.method, c.path, c.status, c.body)
		}
	}
}

// validated is every documented operation ("METHOD /path/{var}") and the
// statuses the suite received from it, each checked against the document.
var validated = struct {
	sync.Mutex
	ops map[string]map[int]bool
}{ops: map[string]map[int]bool{}}

// documentedOps routes a request to its documented operation, the way the
// server's mux routes it (the document's paths are Go patterns).
var documentedOps = sync.OnceValue(func() *nethttp.ServeMux {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	json.Unmarshal(openAPIDocument, &doc)
	mux := nethttp.NewServeMux()
	for path, item := range doc.Paths {
		for method := range item {
			if method != "parameters" {
				mux.HandleFunc(strings.ToUpper(method)+" "+path, func(nethttp.ResponseWriter, *nethttp.Request) {})
			}
		}
	}
	return mux
})

func recordValidated(req *nethttp.Request, status int) {
	_, pattern := documentedOps().Handler(req)
	if strings.HasPrefix(req.URL.Path, "/debug/pprof/") {
		pattern = "GET /debug/pprof/{profile}" // the index too
	}
	if pattern == "" {
		return
	}
	validated.Lock()
	defer validated.Unlock()
	if validated.ops[pattern] == nil {
		validated.ops[pattern] = map[int]bool{}
	}
	validated.ops[pattern][status] = true
}

// unvalidatedOps lists the documented operations of this package's routes
// (not the portal's pages, which package portal serves and tests) that no
// test received a validated answer from.
func unvalidatedOps() []string {
	var out []string
	documentedOps() // the patterns are registered on first use
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	json.Unmarshal(openAPIDocument, &doc)
	validated.Lock()
	defer validated.Unlock()
	for path, item := range doc.Paths {
		if strings.HasPrefix(path, "/portal/") || path == "/verify" || path == "/.well-known/jwks.json" {
			continue
		}
		for method := range item {
			op := strings.ToUpper(method) + " " + path
			if method != "parameters" && len(validated.ops[op]) == 0 {
				out = append(out, op)
			}
		}
	}
	sort.Strings(out)
	return out
}
