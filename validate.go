package sesame

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// validator collects field errors so that a caller learns every problem of a
// record at once, not one per round trip.
type validator struct {
	parent *validator // when set, errors go to the parent with prefix prepended
	prefix string
	errs   []FieldError
}

func (v *validator) add(field, reason string) {
	name := strings.TrimSuffix(v.prefix+field, ".")
	if v.parent != nil {
		v.parent.add(name, reason)
		return
	}
	v.errs = append(v.errs, FieldError{Field: name, Reason: reason})
}

func (v *validator) id(field, s string) {
	switch {
	case s == "":
		v.add(field, "is required")
	case !ValidID(s):
		v.add(field, "must be 1–128 characters of letters, digits and . _ : @ - (starting with a letter or digit)")
	}
}

func (v *validator) oneOf(field, s string, allowed []string) {
	if s == "" {
		v.add(field, "is required; one of "+strings.Join(allowed, ", "))
		return
	}
	if !slices.Contains(allowed, s) {
		v.add(field, quote(s)+" is not one of "+strings.Join(allowed, ", "))
	}
}

func (v *validator) notAfter(field string, t, limit time.Time) {
	if t.After(limit) {
		v.add(field, "must not be after occurred_at")
	}
}

// err returns nil or an *Error with code EINVALID holding every field error.
func (v *validator) err(message string) error {
	if len(v.errs) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: message, Details: v.errs}
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}
