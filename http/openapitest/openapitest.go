// Package openapitest checks, in tests, that the answers a real server gives
// match an OpenAPI document (status, content type and body schema): package
// http's own tests and the client's and examples' tests hold the document to
// what the server says through it. It takes the document rather than
// importing package http, so that package http's tests can use it too.
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
)

// Validator checks answers against one document, built on first use.
type Validator struct {
	build func() (validator.Validator, error)
	mu    sync.Mutex // the validator caches schemas as it goes
}

// New returns a Validator for the OpenAPI document doc.
func New(doc []byte) *Validator {
	return &Validator{build: sync.OnceValues(func() (validator.Validator, error) {
		d, err := libopenapi.NewDocument(doc)
		if err != nil {
			return nil, err
		}
		v, errs := validator.NewValidator(d)
		if len(errs) > 0 {
			return nil, fmt.Errorf("openapi.json: %v", errs)
		}
		return v, nil
	})}
}

// Problems returns what is wrong with an answer to req by the document:
// nothing for a path the document does not have (the mux's own 404).
func (v *Validator) Problems(req *http.Request, status int, header http.Header, body []byte) []string {
	val, err := v.build()
	if err != nil {
		return []string{err.Error()}
	}
	resp := &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	v.mu.Lock()
	ok, errs := val.ValidateHttpResponse(req, resp)
	v.mu.Unlock()
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

// Handler wraps h so that check sees every answer it writes.
func Handler(h http.Handler, check func(r *http.Request, status int, header http.Header, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		check(r, rec.Code, rec.Header(), rec.Body.Bytes())
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// Checking wraps h so that every answer it writes is checked against v;
// each mismatch is a test error.
func (v *Validator) Checking(t testing.TB, h http.Handler) http.Handler {
	return Handler(h, func(r *http.Request, status int, header http.Header, body []byte) {
		for _, p := range v.Problems(r, status, header, body) {
			t.Errorf("%s %s → %d does not match openapi.json: %s\nbody: %.300s", r.Method, r.URL.RequestURI(), status, p, body)
		}
	})
}
