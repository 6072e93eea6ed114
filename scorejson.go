package sesame

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// A full rescore stores a million scores; with encoding/json, encoding them
// (the reflection, and sorting the keys of every features map) cost more
// than the scoring. AppendScoreJSON writes the same JSON as json.Marshal by
// appending, and features travel apart in a compact binary form
// (AppendFeatures). Tests hold both to encoding/json's output.

// AppendScoreJSON appends the JSON of s as the API shows it — what
// json.Marshal(s) gives, features excluded — to dst.
func AppendScoreJSON(dst []byte, s *Score) ([]byte, error) {
	b := append(dst, `{"person":`...)
	b = AppendJSONString(b, s.Person)
	b = append(b, `,"status":`...)
	b = AppendJSONString(b, s.Status)
	if s.Score != 0 {
		b = append(b, `,"score":`...)
		b = strconv.AppendInt(b, int64(s.Score), 10)
	}
	if s.Band != "" {
		b = append(b, `,"band":`...)
		b = AppendJSONString(b, string(s.Band))
	}
	var err error
	if len(s.Dimensions) > 0 {
		b = append(b, `,"dimensions":[`...)
		for i, d := range s.Dimensions {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"dimension":`...)
			b = AppendJSONString(b, string(d.Dimension))
			b = append(b, `,"score":`...)
			b = strconv.AppendInt(b, int64(d.Score), 10)
			b = append(b, `,"points":`...)
			if b, err = appendJSONFloat(b, d.Points); err != nil {
				return dst, err
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.Reasons) > 0 {
		b = append(b, `,"reasons":[`...)
		for i, r := range s.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"code":`...)
			b = AppendJSONString(b, r.Code)
			b = append(b, `,"feature":`...)
			b = AppendJSONString(b, r.Feature)
			b = append(b, `,"dimension":`...)
			b = AppendJSONString(b, string(r.Dimension))
			b = append(b, `,"text":`...)
			b = AppendJSONString(b, r.Text)
			if r.Value != "" {
				b = append(b, `,"value":`...)
				b = AppendJSONString(b, r.Value)
			}
			b = append(b, `,"points_lost":`...)
			if b, err = appendJSONFloat(b, r.PointsLost); err != nil {
				return dst, err
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.Tips) > 0 {
		b = append(b, `,"tips":[`...)
		for i, t := range s.Tips {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"feature":`...)
			b = AppendJSONString(b, t.Feature)
			if t.Code != "" {
				b = append(b, `,"code":`...)
				b = AppendJSONString(b, t.Code)
			}
			b = append(b, `,"action":`...)
			b = AppendJSONString(b, t.Action)
			b = append(b, `,"gain":`...)
			b = strconv.AppendInt(b, int64(t.Gain), 10)
			b = append(b, `,"target":`...)
			if b, err = appendJSONFloat(b, t.Target); err != nil {
				return dst, err
			}
			b = append(b, `,"target_text":`...)
			b = AppendJSONString(b, t.Goal)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.Missing) > 0 {
		b = append(b, `,"missing":[`...)
		for i, m := range s.Missing {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, m)
		}
		b = append(b, ']')
	}
	if len(s.SelfAdded) > 0 {
		b = append(b, `,"self_added":[`...)
		for i, a := range s.SelfAdded {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = AppendJSONString(b, a.ID)
			b = append(b, `,"kind":`...)
			b = AppendJSONString(b, a.Kind)
			b = append(b, `,"source":`...)
			b = AppendJSONString(b, a.Source)
			b = append(b, `,"label":`...)
			b = AppendJSONString(b, a.Label)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if s.SelfAddedPoints != 0 {
		b = append(b, `,"self_added_points":`...)
		b = strconv.AppendInt(b, int64(s.SelfAddedPoints), 10)
	}
	b = append(b, `,"model_version":`...)
	b = AppendJSONString(b, s.ModelVersion)
	b = append(b, `,"as_of":`...)
	if y := s.AsOf.Year(); y < 0 || y >= 10000 {
		return dst, fmt.Errorf("score of %q: as_of %v is outside the years JSON can carry", s.Person, s.AsOf)
	}
	b = append(b, '"')
	b = s.AsOf.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if len(s.DataAsOf) > 0 {
		b = append(b, `,"data_as_of":[`...)
		for i := range s.DataAsOf {
			d := &s.DataAsOf[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"source":`...)
			b = AppendJSONString(b, d.Source)
			b = append(b, `,"as_of":`...)
			if y := d.AsOf.Year(); y < 0 || y >= 10000 {
				return dst, fmt.Errorf("score of %q: data_as_of %v is outside the years JSON can carry", s.Person, d.AsOf)
			}
			b = append(b, '"')
			b = d.AsOf.AppendFormat(b, time.RFC3339Nano)
			b = append(b, '"')
			if d.Stale {
				b = append(b, `,"stale":true`...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	return b, nil
}

// appendJSONFloat formats like encoding/json: the shortest representation,
// in exponent form only for very small or very large magnitudes.
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("unsupported value in a score: %v", f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// AppendJSONString quotes s as encoding/json does by default: HTML-safe
// (<, >, & escaped), invalid UTF-8 replaced by U+FFFD (so the output is
// valid JSON whatever s holds), U+2028 and U+2029 escaped.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// featuresFormat is the first byte of AppendFeatures' encoding; a later
// layout takes another number.
const featuresFormat = 1

// AppendFeatures appends a compact, self-describing binary form of a
// profile's features: the format byte, the count, then each name (length
// prefixed) and its value's IEEE-754 bits. Names travel with the values so
// that a stored score reads back right after the catalogue changes.
func AppendFeatures(dst []byte, features map[string]float64) []byte {
	b := append(dst, featuresFormat)
	b = binary.AppendUvarint(b, uint64(len(features)))
	for name, v := range features {
		b = binary.AppendUvarint(b, uint64(len(name)))
		b = append(b, name...)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

var errFeatures = errors.New("stored features: malformed")

// DecodeFeatures reads what AppendFeatures wrote; nil or empty input is no
// features.
func DecodeFeatures(b []byte) (map[string]float64, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] != featuresFormat {
		return nil, fmt.Errorf("stored features: unknown format %d", b[0])
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errFeatures
	}
	b = b[k:]
	out := make(map[string]float64, n)
	for range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) || uint64(len(b)-k)-l < 8 {
			return nil, errFeatures
		}
		name := string(b[k : k+int(l)])
		b = b[k+int(l):]
		out[name] = math.Float64frombits(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	if len(b) != 0 {
		return nil, errFeatures
	}
	return out, nil
}
