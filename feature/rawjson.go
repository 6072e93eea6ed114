package feature

import (
	"errors"
	"unsafe"

	"github.com/sesame-credit/sesame"
)

// ApplyJSON folds one event given as the ledger stores it — source, kind, occurred_at
// in Unix nanoseconds, and the payload's JSON — without decoding the payload
// into its typed struct. It reads only the fields the features use, with no
// allocation beyond the first sight of an id, which makes a full-ledger build
// several times faster than decoding every event. It reduces the event to the
// same fact as Apply, so both give the same state (tested on every kind).
//
// payload may be reused by the caller after ApplyJSON returns. Malformed
// JSON returns an error and leaves the state unchanged.
func (s *State) ApplyJSON(source, kind []byte, occurredAtNanos int64, payload []byte) error {
	k := sesame.Kind(unsafeString(kind))
	var f fact
	f.reset()
	if err := parseFact(payload, &f); err != nil {
		return err
	}
	at := occurredAtNanos / 1e9
	if occurredAtNanos < 0 && occurredAtNanos%1e9 != 0 {
		at-- // floor, as time.Time.Unix does
	}
	s.applyFact(s.source(unsafeString(source)), k, at, &f)
	return nil
}

// unsafeString views b as a string without copying; the result must not
// outlive b (state lookups clone an id before keeping it).
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

var errBadJSON = errors.New("feature: malformed payload JSON")

// parseFact reads the top-level fields of a flat JSON object into f.
func parseFact(b []byte, f *fact) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errBadJSON
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return errBadJSON
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] == ',' {
			i++
			continue
		}
		key, j, ok := readString(b, i)
		if !ok {
			return errBadJSON
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return errBadJSON
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return errBadJSON
		}
		var err error
		switch unsafeString(key) {
		case "account", "loan", "application", "bill", "rental", "order", "record", "voucher":
			var v []byte
			v, i, ok = readString(b, i)
			f.id = unsafeString(v)
		case "balance", "amount", "limit", "monthly", "value", "principal":
			f.amount, i, ok = readMoney(b, i)
		case "minimum_due":
			f.minDue, i, ok = readMoney(b, i)
		case "due_at", "due_back_at", "pay_by":
			f.due, i, ok = readTime(b, i)
		case "employed_since":
			f.employedSince, i, ok = readTime(b, i)
		case "address_since":
			f.addressSince, i, ok = readTime(b, i)
		case "phone_since":
			f.phoneSince, i, ok = readTime(b, i)
		case "direction":
			var v []byte
			v, i, ok = readString(b, i)
			f.credit = string(v) == "credit"
		case "verified", "identity_verified":
			var v bool
			v, i, ok = readBool(b, i)
			f.flag = boolCode(v)
		case "asset":
			var v []byte
			v, i, ok = readString(b, i)
			f.asset = indexOf(sesame.AssetTypes, unsafeString(v))
		case "education":
			var v []byte
			v, i, ok = readString(b, i)
			f.education = int8(educationLevel(unsafeString(v)))
		case "employment":
			var v []byte
			v, i, ok = readString(b, i)
			f.employment = employmentCode(unsafeString(v))
		case "birth_year":
			var v int64
			v, i, ok = readInt(b, i)
			f.birthYear = int(v)
		default:
			i, err = skipValue(b, i, 0)
			ok = err == nil
		}
		if !ok {
			return errBadJSON
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// readString reads a JSON string starting at b[i] == '"' and returns its raw
// bytes (escapes left as they are: ids and enumerations never need them).
func readString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	start := i + 1
	for j := start; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return b[start:j], j + 1, true
		}
	}
	return nil, i, false
}

func readInt(b []byte, i int) (int64, int, bool) {
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	start := i
	var v int64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	if i == start || i-start > 18 {
		return 0, i, false
	}
	if neg {
		v = -v
	}
	return v, i, true
}

func readBool(b []byte, i int) (bool, int, bool) {
	switch {
	case len(b)-i >= 4 && string(b[i:i+4]) == "true":
		return true, i + 4, true
	case len(b)-i >= 5 && string(b[i:i+5]) == "false":
		return false, i + 5, true
	}
	return false, i, false
}

// readMoney reads {"amount":N,"currency":"XXX"} and returns N; a null (an
// absent optional amount) is 0.
func readMoney(b []byte, i int) (int64, int, bool) {
	if len(b)-i >= 4 && string(b[i:i+4]) == "null" {
		return 0, i + 4, true
	}
	if i >= len(b) || b[i] != '{' {
		return 0, i, false
	}
	i++
	var amount int64
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, i, false
		}
		switch b[i] {
		case '}':
			return amount, i + 1, true
		case ',':
			i++
			continue
		}
		key, j, ok := readString(b, i)
		if !ok {
			return 0, i, false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return 0, i, false
		}
		i = skipSpace(b, i+1)
		if string(key) == "amount" {
			amount, i, ok = readInt(b, i)
			if !ok {
				return 0, i, false
			}
			continue
		}
		var err error
		if i, err = skipValue(b, i, 0); err != nil {
			return 0, i, false
		}
	}
}

// readTime reads an RFC 3339 time string and returns Unix seconds
// (fractions dropped, as time.Time.Unix does for times after 1970).
func readTime(b []byte, i int) (int64, int, bool) {
	if len(b)-i >= 4 && string(b[i:i+4]) == "null" {
		return 0, i + 4, true
	}
	v, j, ok := readString(b, i)
	if !ok || len(v) < 20 || v[4] != '-' || v[7] != '-' || (v[10] != 'T' && v[10] != 't') || v[13] != ':' || v[16] != ':' {
		return 0, i, false
	}
	num := func(s []byte) (int64, bool) {
		var n int64
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int64(c-'0')
		}
		return n, true
	}
	y, ok1 := num(v[0:4])
	mo, ok2 := num(v[5:7])
	d, ok3 := num(v[8:10])
	h, ok4 := num(v[11:13])
	mi, ok5 := num(v[14:16])
	sec, ok6 := num(v[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return 0, i, false
	}
	k := 19
	if k < len(v) && v[k] == '.' {
		k++
		for k < len(v) && v[k] >= '0' && v[k] <= '9' {
			k++
		}
	}
	var offset int64
	switch {
	case k < len(v) && (v[k] == 'Z' || v[k] == 'z') && k+1 == len(v):
	case k+6 == len(v) && (v[k] == '+' || v[k] == '-') && v[k+3] == ':':
		oh, okh := num(v[k+1 : k+3])
		om, okm := num(v[k+4 : k+6])
		if !okh || !okm {
			return 0, i, false
		}
		offset = oh*3600 + om*60
		if v[k] == '-' {
			offset = -offset
		}
	default:
		return 0, i, false
	}
	return daysFromCivil(y, mo, d)*86400 + h*3600 + mi*60 + sec - offset, j, true
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// skipValue skips one JSON value of any type.
func skipValue(b []byte, i, depth int) (int, error) {
	if depth > 32 || i >= len(b) {
		return i, errBadJSON
	}
	switch c := b[i]; {
	case c == '"':
		_, j, ok := readString(b, i)
		if !ok {
			return i, errBadJSON
		}
		return j, nil
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i++
		for {
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, errBadJSON
			}
			switch b[i] {
			case closer:
				return i + 1, nil
			case ',', ':':
				i++
				continue
			}
			var err error
			if i, err = skipValue(b, i, depth+1); err != nil {
				return i, err
			}
		}
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' {
			j++
		}
		if j == i {
			return i, errBadJSON
		}
		return j, nil
	}
}
