package portal

import (
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone names resolve even on a machine without a zone database

	"github.com/sesame-credit/sesame"
)

// tzCookie holds the person's IANA time zone. The portal script sets it from
// the browser's own zone; without it times show in DefaultZone, named.
const tzCookie = "sesame_tz"

// DefaultZone is where times are shown when the browser has not said its
// zone (no script yet, or a bad cookie): UTC, always labelled, so that a
// time is never silently in a zone the person does not expect.
var DefaultZone = time.UTC

// zoneOf reads the person's time zone from the cookie; anything that is not
// a zone name this binary knows falls back to DefaultZone.
func zoneOf(r *http.Request) *time.Location {
	c, err := r.Cookie(tzCookie)
	if err != nil || c.Value == "" || len(c.Value) > 64 || strings.ContainsAny(c.Value, " .\\") {
		return DefaultZone
	}
	loc, err := time.LoadLocation(c.Value)
	if err != nil || loc.String() == "Local" {
		return DefaultZone
	}
	return loc
}

// minorDigits is how many minor-unit digits a currency has (ISO 4217);
// most have two.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
	"UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3, "CLF": 4, "UYW": 4,
}

// Money formats an amount in its own currency with grouped thousands:
// "CNY 7,815.09". The code rather than a symbol: ¥ is both yuan and yen.
func (l *Locale) Money(m sesame.Money) string {
	digits, ok := minorDigits[m.Currency]
	if !ok {
		digits = 2
	}
	n := m.Amount
	neg := n < 0
	if neg {
		n = -n
	}
	scale := int64(1)
	for range digits {
		scale *= 10
	}
	whole := group(strconv.FormatInt(n/scale, 10))
	s := m.Currency + " "
	if neg {
		s += "−"
	}
	s += whole
	if digits > 0 {
		frac := strconv.FormatInt(n%scale, 10)
		s += "." + strings.Repeat("0", digits-len(frac)) + frac
	}
	return s
}

// majorMoney formats an amount given in major units (a policy's yuan) like
// Money: "CNY 20,000", with the minor digits only when there are some.
func majorMoney(currency string, v float64) string {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	s := (&Locale{}).Money(sesame.Money{Amount: int64(math.Round(v * math.Pow10(digits))), Currency: currency})
	if digits > 0 {
		s = strings.TrimSuffix(s, "."+strings.Repeat("0", digits))
	}
	return s
}

// group puts a comma between every three digits from the right.
func group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// field is one line of an event as the person reads it: a label and a value.
type field struct {
	Label string
	Value string
}

// hiddenFields are payload fields a person's own record never shows:
// protected attributes are kept for fairness measurement only, and the page
// is no place to display them.
var hiddenFields = map[string]bool{"protected": true}

// eventFields turns an event's payload into labelled values in the
// person's language: money with its currency, times in their zone, yes/no
// in words, lists joined. Labels come from the catalog (ev.field.NAME) or
// the words of the JSON name; enumerated values from ev.value.VALUE, other
// strings (account numbers, merchants) as given.
func eventFields(l *Locale, p sesame.Payload) []field {
	v := reflect.ValueOf(p)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	var out []field
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" || hiddenFields[name] {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		if strings.HasSuffix(name, "_bp") && v.Field(i).CanInt() && v.Field(i).Int() != 0 {
			// Basis points: a rate a person reads as a percentage.
			bp := v.Field(i).Int()
			out = append(out, field{Label: l.orWords("ev.field."+name, strings.TrimSuffix(name, "_bp")), Value: strconv.FormatFloat(float64(bp)/100, 'f', -1, 64) + "%"})
			continue
		}
		if s, ok := l.value(v.Field(i)); ok {
			out = append(out, field{Label: l.orWords("ev.field."+name, name), Value: s})
		}
	}
	return out
}

var (
	moneyType = reflect.TypeFor[sesame.Money]()
	timeType  = reflect.TypeFor[time.Time]()
)

// value formats one payload value; ok is false for an empty one.
func (l *Locale) value(v reflect.Value) (string, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "", false
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == moneyType:
		m := v.Interface().(sesame.Money)
		if m.Currency == "" {
			return "", false
		}
		return l.Money(m), true
	case v.Type() == timeType:
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return "", false
		}
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
			return l.Date(t), true // a calendar day, not an instant
		}
		return l.DateTime(t), true
	}
	switch v.Kind() {
	case reflect.String:
		if v.String() == "" {
			return "", false
		}
		if key := "ev.value." + v.String(); l.Has(key) {
			return l.T(key), true // an enumerated value, in words
		}
		return v.String(), true // an account number, a merchant: as given
	case reflect.Bool:
		if v.Bool() {
			return l.T("ev.yes"), true
		}
		return l.T("ev.no"), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Int() == 0 {
			return "", false
		}
		return group(strconv.FormatInt(v.Int(), 10)), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.Uint() == 0 {
			return "", false
		}
		return group(strconv.FormatUint(v.Uint(), 10)), true
	case reflect.Float32, reflect.Float64:
		if v.Float() == 0 {
			return "", false
		}
		return strconv.FormatFloat(v.Float(), 'f', -1, 64), true
	case reflect.Slice, reflect.Array:
		var parts []string
		for i := range v.Len() {
			if s, ok := l.value(v.Index(i)); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", "), len(parts) > 0
	case reflect.Map:
		return "", false // only protected attributes are maps; never shown
	}
	return "", false
}

// orWords returns the catalog's message for key, or the words of a JSON
// name ("credit_card" → "Credit card") when the catalog has none.
func (l *Locale) orWords(key, name string) string {
	if l.Has(key) {
		return l.T(key)
	}
	s := strings.ReplaceAll(name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// KindName is an event kind in words.
func (l *Locale) KindName(k sesame.Kind) string {
	return l.orWords("kind."+string(k), strings.NewReplacer(".", " ", "_", " ").Replace(string(k)))
}
