// Package sesame holds the domain of the Sesame credit scoring platform: the
// words every other package speaks (person, partner, event, feature, score,
// band, consent), their validation, the service interfaces that the storage
// and transport packages implement, and the error codes the API maps to HTTP.
//
// The package has no I/O and no dependencies beyond the standard library, so
// every other package may import it and it imports none of them.
package sesame

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one HTTP status in the http package; the message
// is written for the caller and says how to fix the request.
const (
	ECONFLICT     = "conflict"     // the request contradicts stored state (409)
	EINTERNAL     = "internal"     // a fault of ours; details go to the log only (500)
	EINVALID      = "invalid"      // the request is malformed or fails validation (400/422)
	ENOTFOUND     = "not_found"    // no such resource, or the caller may not know it exists (404)
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed, e.g. no live consent (403)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials (401)
	ETOOLARGE     = "too_large"    // body or batch beyond the configured limit (413)
	ERATELIMITED  = "rate_limited" // too many requests for this caller (429)
	EUNAVAILABLE  = "unavailable"  // not ready yet, e.g. no active model (503)
)

// Error is a domain error: a code for programs, a message for people and
// optional field-level details. Anything that is not an *Error reaching the
// API is reported as internal, its text kept out of the response.
type Error struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Details []FieldError `json:"details,omitempty"`
}

func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Details))
	for i, d := range e.Details {
		parts[i] = d.Error()
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it wraps an *Error, otherwise EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-facing message of err; internal errors get a
// generic text so that no implementation detail leaks to a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error; it has been logged"
}

// FieldError names one invalid field (a dotted JSON path such as
// "payload.limit.currency") and why it is invalid.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (f FieldError) Error() string { return f.Field + ": " + f.Reason }

// ValidID reports whether s may be used as an id: what person, partner,
// source and event ids may look like — printable, URL-safe and short enough
// to index, ^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$. Ids are opaque to Sesame.
// It is written as a loop, not a regular expression, because ids are checked
// several times per event on the ingestion hot path, where the expression
// cost a quarter of decoding.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 128 || !idStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !idStart(c) && c != '.' && c != '_' && c != ':' && c != '@' && c != '-' {
			return false
		}
	}
	return true
}

func idStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
