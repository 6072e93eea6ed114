// Package openapitest checks, in other packages' tests, that every answer
// a real server gives them matches the API's OpenAPI document (status,
// content type and body schema), as package http's own tests do: so that
// the clients' and examples' tests also hold the document to what the
// server says.
package openapitest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	sesamehttp "github.com/sesame-credit/sesame/http"
)

var openAPIValidator = sync.OnceValues(func() (validator.Validator, error) {
	doc, err := libopenapi.NewDocument(sesamehttp.OpenAPI())
	if err != nil {
		return nil, err
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapi.json: %v", errs)
	}
	return v, nil
})

// mu serialises the validator, which caches schemas as it goes.
var mu sync.Mutex

// Problems returns what is wrong with an answer to req by the document:
// nothing for a path the document does not have.
func Problems(req *http.Request, status int, header http.Header, body []byte) []string {
	v, err := openAPIValidator()
	if err != nil {
		return []string{err.Error()}
	}
	resp := &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	mu.Lock()
	ok, errs := v.ValidateHttpResponse(req, resp)
	mu.Unlock()
	if ok {
		return nil
	}
	var out []string
	for _, e := range errs {
		if e.ValidationType == "path" {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s (%s)", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "; %s: %s", f.FieldPath, f.Reason)
		}
		out = append(out, b.String())
	}
	return out
}

// Handler wraps h so that every answer it writes is checked against the
// document; each mismatch is a test error.
func Handler(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for _, p := range Problems(r, rec.Code, rec.Header(), rec.Body.Bytes()) {
			t.Errorf("%s %s → %d does not match openapi.json: %s\nbody: %.300s", r.Method, r.URL.RequestURI(), rec.Code, p, rec.Body.Bytes())
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}
