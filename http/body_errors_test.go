package http

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame/dispute"
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
	done := map[string]bool{}
	checked := sendBadBodies(t, ts.srv, done, func(method, target, body string) (int, string) {
		token := testOperator
		switch {
		case strings.HasPrefix(target, "/v1/me"), target == "/v1/auth/logout":
			token = session
		case strings.HasPrefix(target, "/v1/partner/"):
			token = key
		case strings.HasPrefix(target, "/v1/auth/"):
			token = ""
		}
		a := ts.do(method, target, token, body, "Content-Type", "application/json", "Origin", "http://example.com")
		return a.status, a.body
	})
	// The routes of sources' and persons' other services, on a server of
	// their own (whose trust services are only those of newTestServer:
	// the routes above are not sent again).
	other := newTestServer(t, Config{})
	other.srv.Disputes = &dispute.Service{Store: other.db.Disputes()}
	other.srv.Watermarks = other.db.Watermarks()
	other.srv.Eraser = other.db.Eraser()
	other.srv.Mail = other.db.Outbox()
	other.srv.Auth.AddToken(personToken, Principal{Role: RolePerson, Name: "alice"})
	checked += sendBadBodies(t, other.srv, done, func(method, target, body string) (int, string) {
		token := operatorToken
		if strings.HasPrefix(target, "/v1/me") {
			token = personToken
		} else if strings.HasPrefix(target, "/v1/sources/") {
			token = sourceToken
		}
		w := other.do(method, target, token, "application/json", strings.NewReader(body))
		return w.Code, w.Body.String()
	})
	if checked < 150 {
		t.Fatalf("only %d bad bodies sent: the routes were not reached", checked)
	}
}

// sendBadBodies sends the bad bodies to every JSON route srv has
// registered and done has not, through do, adds the routes to done, and
// returns how many bodies it sent.
func sendBadBodies(t *testing.T, srv *Server, done map[string]bool, do func(method, target, body string) (int, string)) int {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Properties map[string]json.RawMessage `json:"properties"` // the fields
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, p := range srv.Patterns() {
		registered[p] = true
	}
	fill := strings.NewReplacer("{id}", "p-a", "{ref}", "p-a", "{source}", "bank", "{partner}", "lender", "{version}", "v1", "{key}", "k1")
	leaks := []string{"Go struct", "Go value", "unmarshal", "json: ", "sesame.", "http.", "time.Time", "float64", "int64", "map[", "[]string", "struct {"}
	checked := 0
	for path, item := range doc.Paths {
		for method, op := range item {
			method = strings.ToUpper(method)
			media, ok := op.RequestBody.Content["application/json"]
			if !ok || !registered[method+" "+path] || done[method+" "+path] {
				continue // no JSON body, not wired on this server, or sent already
			}
			done[method+" "+path] = true
			bodies := []string{`[1]`, `"x"`, `{`, `{"zzz_unknown":1}`, `{"a":1}{"b":2}`}
			for name := range media.Schema.Properties {
				// Each field as a string, a number and an object: one of
				// them is of the wrong type, the others may be of the
				// right one with a wrong value.
				bodies = append(bodies, `{"`+name+`":"x"}`, `{"`+name+`":12}`, `{"`+name+`":{"deep":[1]}}`)
			}
			target := fill.Replace(path)
			for _, body := range bodies {
				status, answer := do(method, target, body)
				checked++
				if status >= 500 || status >= 300 && status < 400 {
					t.Errorf("%s %s %s: %d %s", method, target, body, status, answer)
				}
				for _, leak := range leaks {
					if status >= 400 && strings.Contains(answer, leak) {
						t.Errorf("%s %s %s: the answer names Go internals (%q): %s", method, target, body, leak, answer)
					}
				}
			}
		}
	}
	return checked
}
