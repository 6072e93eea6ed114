package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/sesame-credit/sesame"
)

// Codes of errors that only HTTP has; the domain's codes are in package sesame.
const (
	codeMethodNotAllowed     = "method_not_allowed"     // 405, with an Allow header
	codeUnsupportedMediaType = "unsupported_media_type" // 415
)

// RetryAfterSeconds is the Retry-After of 503 answers: long enough for a
// database failover or a restart, short enough that clients come back soon.
const RetryAfterSeconds = 5

// statusOf maps an error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case sesame.EINVALID:
		return nethttp.StatusBadRequest
	case sesame.ENOTFOUND:
		return nethttp.StatusNotFound
	case sesame.ECONFLICT:
		return nethttp.StatusConflict
	case sesame.EUNAUTHORIZED:
		return nethttp.StatusUnauthorized
	case sesame.EFORBIDDEN:
		return nethttp.StatusForbidden
	case sesame.ETOOLARGE:
		return nethttp.StatusRequestEntityTooLarge
	case sesame.ERATELIMITED:
		return nethttp.StatusTooManyRequests
	case sesame.EUNAVAILABLE:
		return nethttp.StatusServiceUnavailable
	case codeMethodNotAllowed:
		return nethttp.StatusMethodNotAllowed
	case codeUnsupportedMediaType:
		return nethttp.StatusUnsupportedMediaType
	}
	return nethttp.StatusInternalServerError
}

// errorBody is the one shape of every error answer.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code      string              `json:"code"`
	Message   string              `json:"message"`
	Details   []sesame.FieldError `json:"details,omitempty"`
	RequestID string              `json:"request_id,omitempty"` // quote it when reporting a problem
}

// writeError answers err in the JSON error shape. A *sesame.Error is the
// caller's to read; anything else is ours: logged with its text, answered
// with a generic message and the request id to quote.
func (s *Server) writeError(w nethttp.ResponseWriter, r *nethttp.Request, err error) {
	st := stateOf(r)
	err = classify(r.Context(), err, s.cfg)
	var e *sesame.Error
	if !errors.As(err, &e) && s.Outage != nil && s.Outage(err) {
		// Logged, since an operator wants to know; answered as what it is
		// to the client: try again shortly, here or on another replica.
		s.Logger.WarnContext(r.Context(), "database unavailable", "request_id", st.id, "method", r.Method, "path", r.URL.Path, "err", err)
		e = sesame.Errorf(sesame.EUNAVAILABLE, "the database is not answering; retry in a few seconds")
	}
	if e == nil {
		s.Logger.ErrorContext(r.Context(), "internal error", "request_id", st.id, "method", r.Method, "path", r.URL.Path, "err", err)
		e = &sesame.Error{Code: sesame.EINTERNAL, Message: "internal error; it has been logged under the request id " + st.id}
	}
	st.errCode = e.Code
	status := statusOf(e.Code)
	if e.Code == sesame.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sesame"`)
	}
	if status == nethttp.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		// Every 503 is temporary to a client (an outage, a timeout, a
		// model not yet active); Retry-After paces its retries.
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	}
	writeJSON(w, status, errorBody{Error: errorPayload{Code: e.Code, Message: e.Message, Details: e.Details, RequestID: st.id}})
}

// classify turns errors that are the caller's or the deadline's into domain
// errors: a body over the limit, a request that ran out of time.
func classify(ctx context.Context, err error, cfg Config) error {
	var mbe *nethttp.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return tooLarge(mbe.Limit)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return sesame.Errorf(sesame.EUNAVAILABLE, "the request took longer than the server's limit of %s; retry, or send smaller batches", cfg.RequestTimeout)
	}
	return err
}

// jsonBodyError describes why a request body did not decode, in the words
// of JSON and the API's field names: encoding/json's own messages name Go
// types and struct fields ("cannot unmarshal string into Go struct field
// whatIfRequest.features"), which are ours, not the caller's.
func jsonBodyError(err error) *sesame.Error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return sesame.Errorf(sesame.EINVALID, "the body must be a JSON object, not %s", jsonArticle(typeErr.Value))
		}
		reason := fmt.Sprintf("must be %s, not %s", jsonTypeOf(typeErr.Type), jsonArticle(typeErr.Value))
		return &sesame.Error{Code: sesame.EINVALID, Message: field + " " + reason,
			Details: []sesame.FieldError{{Field: field, Reason: reason}}}
	case errors.As(err, &syntaxErr):
		return sesame.Errorf(sesame.EINVALID, "the body is not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		return sesame.Errorf(sesame.EINVALID, "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return sesame.Errorf(sesame.EINVALID, "the body is not valid JSON (it ends too soon)")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field, _ := strconv.Unquote(name)
		return &sesame.Error{Code: sesame.EINVALID, Message: "unknown field " + name + "; see /openapi.json for the fields this request takes",
			Details: []sesame.FieldError{{Field: field, Reason: "unknown field"}}}
	}
	return sesame.Errorf(sesame.EINVALID, "the body is not valid JSON for this request")
}

// jsonTypeOf names a Go type as the JSON value that decodes into it.
func jsonTypeOf(t reflect.Type) string {
	if t == nil {
		return "a value of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonTypeOf(t.Elem())
	}
	return "a value of another type"
}

// jsonArticle turns encoding/json's name of the value it found ("string",
// "number 1.5", "object") into words: "a string", "the number 1.5".
func jsonArticle(value string) string {
	switch {
	case value == "object" || value == "array":
		return "an " + value
	case strings.HasPrefix(value, "number"):
		return "the " + value
	case value == "bool":
		return "true or false"
	}
	return "a " + value
}

func tooLarge(limit int64) *sesame.Error {
	return sesame.Errorf(sesame.ETOOLARGE, "the request body is larger than the limit of %d bytes (%s); split it into smaller requests", limit, humanBytes(limit))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w nethttp.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error gets here (an unencodable value).
		status = nethttp.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error; the response could not be encoded"}}`)
	}
	b = append(b, '\n')
	writeBody(w, status, "application/json", b)
}

func writeBody(w nethttp.ResponseWriter, status int, contentType string, b []byte) {
	writeHead(w, status, contentType, len(b))
	w.Write(b)
}

// writeBodyLine is writeBody of b and a newline, without copying b to add
// the newline.
func writeBodyLine(w nethttp.ResponseWriter, status int, contentType string, b []byte) {
	writeHead(w, status, contentType, len(b)+1)
	w.Write(b)
	w.Write(newline)
}

func writeHead(w nethttp.ResponseWriter, status int, contentType string, size int) {
	// Canonical keys set directly: this runs on every answer. The constant
	// values are shared: net/http only reads them, and an Add would append
	// to a full slice, which copies.
	h := w.Header()
	if contentType == "application/json" {
		h["Content-Type"] = jsonType
	} else {
		h["Content-Type"] = []string{contentType}
	}
	h["Content-Length"] = []string{strconv.Itoa(size)}
	h["X-Content-Type-Options"] = noSniff
	w.WriteHeader(status)
}

var (
	jsonType = []string{"application/json"}[:1:1]
	noSniff  = []string{"nosniff"}[:1:1]
)

var newline = []byte{'\n'}
