package http

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEveryJSONBodyRefusesBadInputInTheAPIsWords sends every route that
// reads a JSON body (by openapi.json) bodies of the wrong shape — not an
// object, not JSON, an unknown field, each field of the wrong type — and
// wants a 4xx in the one error shape (the validator checks the shape) whose
// message names no Go internals.
func TestEveryJSONBodyRefusesBadInputInTheAPIsWords(t *testing.T) {
	ts := newTrustServer(t, true)
	ts.score("p-a", 700)
	key := ts.addPartner("lender", "https://lender.example/cb")
	session := ts.login("p-a")

	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Ref        string                     `json:"$ref"`
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, p := range ts.srv.Patterns() {
		registered[p] = true
	}
	fill := strings.NewReplacer("{id}", "p-a", "{ref}", "p-a", "{source}", "bank", "{partner}", "lender", "{version}", "v1", "{key}", "k1")
	leaks := []string{"Go struct", "Go value", "unmarshal", "json: ", "sesame.", "http.", "time.Time", "float64", "int64", "map[", "[]string", "struct {"}
	checked := 0
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		for method, op := range item {
			media, ok := op.RequestBody.Content["application/json"]
			if !ok || !registered[strings.ToUpper(method)+" "+path] {
				continue // no JSON body, or not wired on this server
			}
			token := testOperator
			switch {
			case strings.HasPrefix(path, "/v1/me"), path == "/v1/auth/logout":
				token = session
			case strings.HasPrefix(path, "/v1/partner/"):
				token = key
			case strings.HasPrefix(path, "/v1/auth/"):
				token = ""
			}
			bodies := []string{`[1]`, `"x"`, `{`, `{"zzz_unknown":1}`, `{"a":1}{"b":2}`}
			for name, raw := range media.Schema.Properties {
				wrong := `"x"`
				if strings.Contains(string(raw), `"type": "string"`) || strings.Contains(string(raw), `"type":"string"`) {
					wrong = `12`
				}
				bodies = append(bodies, `{"`+name+`":`+wrong+`}`, `{"`+name+`":{"deep":[1]}}`)
			}
			target := fill.Replace(path)
			for _, body := range bodies {
				a := ts.do(strings.ToUpper(method), target, token, body, "Content-Type", "application/json", "Origin", "http://example.com")
				checked++
				if a.status < 400 || a.status >= 500 {
					if a.status < 300 {
						continue // a body the route takes (e.g. a missing optional field)
					}
					t.Errorf("%s %s %s: %d %s", method, target, body, a.status, a.body)
				}
				for _, leak := range leaks {
					if strings.Contains(a.body, leak) {
						t.Errorf("%s %s %s: the answer names Go internals (%q): %s", method, target, body, leak, a.body)
					}
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d bad bodies sent: the routes were not reached", checked)
	}
}
