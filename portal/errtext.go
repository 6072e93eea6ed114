package portal

import (
	"errors"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// Errors a person reads are in their language. The portal's own errors are
// written from the catalogs where they arise (userError); the domain's
// messages are English for operators and the API, so a person who chose
// another language reads what the error's code means instead.

// localError is an error whose message is already in the person's language.
type localError struct{ err *sesame.Error }

func (e localError) Error() string { return e.err.Error() }
func (e localError) Unwrap() error { return e.err }

// errorText is err's message for a person reading l.
func (l *Locale) errorText(err error) string {
	var local localError
	if errors.As(err, &local) || l.code == "en" {
		return sesame.ErrorMessage(err)
	}
	if k := "error.code." + sesame.ErrorCode(err); l.Has(k) {
		return l.T(k)
	}
	return l.T("error.code." + sesame.EINTERNAL)
}

// localized is err with its message in l's language, for a JSON answer the
// page's script shows.
func (l *Locale) localized(err error) error {
	return localError{&sesame.Error{Code: sesame.ErrorCode(err), Message: l.errorText(err)}}
}

// whatIfError says why the model refused a what-if, in the person's words:
// a feature it does not know, or a value outside what the feature can take
// (said in the feature's unit, as tips say it). Any other refusal is err.
func whatIfError(l *Locale, name string, value float64, err error) error {
	if sesame.ErrorCode(err) != sesame.EINVALID {
		return err
	}
	lo, hi, ok := feature.Range(name)
	switch {
	case !ok:
		return userError(sesame.EINVALID, l.T("whatif.err.feature"))
	case value < lo || value > hi:
		return userError(sesame.EINVALID, l.T("whatif.err.range", feature.FormatValue(name, lo), feature.FormatValue(name, hi)))
	}
	return err
}
