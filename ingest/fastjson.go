package ingest

import (
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sesame-credit/sesame"
)

// DecodeEvent is sesame.DecodeEvent, several times faster on the events
// sources actually send. encoding/json spends most of a bulk load's CPU
// (two reflective passes per event); this hand-written parser reads the
// common shape of an event in one pass and gives up, returning ok=false,
// on anything unusual: escapes, nulls, unknown or differently cased keys,
// maps, floats, trailing data. Then, and whenever the decoded event fails
// validation, the event goes through sesame.DecodeEvent, so that accepted
// events and error messages are exactly the domain's. FuzzFastDecode checks
// that the two never disagree.
func DecodeEvent(data []byte, now time.Time) (sesame.Event, error) {
	if e, ok := fastDecode(data); ok && e.Validate(now) == nil {
		return e, nil
	}
	return sesame.DecodeEvent(data, now)
}

// fastDecode parses data as an event envelope with a typed payload. ok is
// false when the input is not in the shape it handles; that says nothing
// about whether the input is valid.
func fastDecode(data []byte) (e sesame.Event, ok bool) {
	p := parser{b: data}
	e.Version = sesame.EnvelopeVersion
	var payload []byte
	// seen has one bit per envelope key: a repeated key sends the event
	// down the slow path, which refuses it.
	var seen uint8
	if !p.object(func(key []byte) bool {
		bit := envelopeBit(key)
		if bit == 0 || seen&bit != 0 {
			return false // recorded_at, unknown keys, other casing, repeats: the slow path explains
		}
		seen |= bit
		switch string(key) {
		case "v":
			n, ok := p.int(64)
			e.Version = int(n)
			return ok
		case "source":
			return p.str(&e.Source)
		case "id":
			return p.str(&e.ID)
		case "person":
			return p.str(&e.Person)
		case "kind":
			var k string
			ok := p.str(&k)
			e.Kind = sesame.Kind(k)
			return ok
		case "occurred_at":
			var s string
			if !p.str(&s) {
				return false
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			e.OccurredAt = t
			return err == nil
		case "payload":
			start := p.skipSpace()
			if !p.skipValue() {
				return false
			}
			payload = p.b[start:p.i]
			return true
		}
		return false // unreachable: envelopeBit admits only the keys above
	}) || p.skipSpace() != len(p.b) {
		return e, false
	}
	fields := payloadFields[e.Kind]
	if payload == nil || fields == nil {
		return e, false
	}
	pl := sesame.NewPayload(e.Kind)
	v := reflect.ValueOf(pl).Elem()
	pp := parser{b: payload}
	var seenFields uint64 // payload structs have fewer than 64 fields
	if !pp.object(func(key []byte) bool {
		f, ok := fields[string(key)]
		if !ok || f.index >= 64 || seenFields&(1<<f.index) != 0 {
			return false
		}
		seenFields |= 1 << f.index
		return f.decode(&pp, v.Field(f.index))
	}) || pp.skipSpace() != len(pp.b) {
		return e, false
	}
	e.Payload = pl
	return e, true
}

// envelopeBit gives each envelope key fastDecode reads its own bit; 0 for
// any other key.
func envelopeBit(key []byte) uint8 {
	switch string(key) {
	case "v":
		return 1 << 0
	case "source":
		return 1 << 1
	case "id":
		return 1 << 2
	case "person":
		return 1 << 3
	case "kind":
		return 1 << 4
	case "occurred_at":
		return 1 << 5
	case "payload":
		return 1 << 6
	}
	return 0
}

// fieldDecoder decodes one JSON value into one struct field.
type fieldDecoder struct {
	index  int
	decode func(p *parser, f reflect.Value) bool
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	moneyType = reflect.TypeOf(sesame.Money{})
	// payloadFields maps each kind to its payload's JSON fields; built once
	// by reflection so that the hot path only indexes.
	payloadFields = buildPayloadFields()
)

func buildPayloadFields() map[sesame.Kind]map[string]fieldDecoder {
	out := map[sesame.Kind]map[string]fieldDecoder{}
	for _, k := range sesame.Kinds() {
		t := reflect.TypeOf(sesame.NewPayload(k)).Elem()
		fields := map[string]fieldDecoder{}
		for i := 0; i < t.NumField(); i++ {
			name := jsonName(t.Field(i))
			if name == "" {
				continue
			}
			if dec := decoderFor(t.Field(i).Type); dec != nil {
				fields[name] = fieldDecoder{index: i, decode: dec}
			}
			// A type without a fast decoder (a map) is left out: its key
			// sends the event down the slow path.
		}
		out[k] = fields
	}
	return out
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			tag = tag[:i]
			break
		}
	}
	if tag == "-" {
		return ""
	}
	return tag
}

func decoderFor(t reflect.Type) func(p *parser, f reflect.Value) bool {
	switch {
	case t == timeType:
		return decodeTime
	case t == moneyType:
		return decodeMoney
	case t.Kind() == reflect.Pointer:
		elem := decoderFor(t.Elem())
		if elem == nil {
			return nil
		}
		return func(p *parser, f reflect.Value) bool {
			if f.IsNil() {
				f.Set(reflect.New(t.Elem()))
			}
			return elem(p, f.Elem())
		}
	case t.Kind() == reflect.String:
		return func(p *parser, f reflect.Value) bool {
			var s string
			ok := p.str(&s)
			f.SetString(s)
			return ok
		}
	case t.Kind() == reflect.Bool:
		return func(p *parser, f reflect.Value) bool {
			b, ok := p.bool()
			f.SetBool(b)
			return ok
		}
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		bits := t.Bits()
		return func(p *parser, f reflect.Value) bool {
			n, ok := p.int(bits)
			f.SetInt(n)
			return ok
		}
	}
	return nil
}

func decodeTime(p *parser, f reflect.Value) bool {
	start := p.skipSpace()
	var s string
	if !p.str(&s) {
		return false
	}
	// The same parser encoding/json uses for a time.Time, so both paths
	// accept exactly the same times.
	var t time.Time
	if t.UnmarshalJSON(p.b[start:p.i]) != nil {
		return false
	}
	f.Set(reflect.ValueOf(t))
	return true
}

func decodeMoney(p *parser, f reflect.Value) bool {
	m := f.Addr().Interface().(*sesame.Money)
	var seen uint8 // a repeated key goes to the slow path, which refuses it
	return p.object(func(key []byte) bool {
		switch string(key) {
		case "amount":
			if seen&1 != 0 {
				return false
			}
			seen |= 1
			n, ok := p.int(64)
			m.Amount = n
			return ok
		case "currency":
			if seen&2 != 0 {
				return false
			}
			seen |= 2
			return p.str(&m.Currency)
		}
		return false
	})
}

// parser is a minimal JSON reader over one value in memory.
type parser struct {
	b []byte
	i int
}

func (p *parser) skipSpace() int {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return p.i
		}
	}
	return p.i
}

// object reads {"key": value, ...}, calling member with the parser placed
// at each value; member must consume the value.
func (p *parser) object(member func(key []byte) bool) bool {
	p.skipSpace()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return false
	}
	p.i++
	if p.skipSpace(); p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return true
	}
	for {
		p.skipSpace()
		key, ok := p.rawString()
		if !ok {
			return false
		}
		if p.skipSpace(); p.i >= len(p.b) || p.b[p.i] != ':' {
			return false
		}
		p.i++
		p.skipSpace()
		if !member(key) {
			return false
		}
		p.skipSpace()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

// rawString reads a string without escapes and returns its bytes.
func (p *parser) rawString() ([]byte, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.b); j++ {
		c := p.b[j]
		switch {
		case c == '"':
			s := p.b[start:j]
			if !ascii && !utf8.Valid(s) {
				return nil, false // encoding/json would substitute U+FFFD
			}
			p.i = j + 1
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

func (p *parser) str(dst *string) bool {
	p.skipSpace()
	s, ok := p.rawString()
	if ok {
		*dst = string(s)
	}
	return ok
}

func (p *parser) bool() (bool, bool) {
	p.skipSpace()
	rest := p.b[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.i += 4
		return true, p.delimited()
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.i += 5
		return false, p.delimited()
	}
	return false, false
}

// delimited reports whether a literal ends here (not "truex").
func (p *parser) delimited() bool {
	if p.i >= len(p.b) {
		return true
	}
	switch p.b[p.i] {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

// int reads an integer literal that fits in bits; fractions and exponents
// are left to the slow path, which rejects them with a reason.
func (p *parser) int(bits int) (int64, bool) {
	p.skipSpace()
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	if p.i == digits || (p.b[digits] == '0' && p.i-digits > 1) || !p.delimited() {
		return 0, false
	}
	n, err := strconv.ParseInt(string(p.b[start:p.i]), 10, bits)
	return n, err == nil
}

// skipValue skips one JSON value of any type, checking its syntax only as
// far as finding its end requires; the payload is parsed properly later.
func (p *parser) skipValue() bool {
	p.skipSpace()
	if p.i >= len(p.b) {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(func([]byte) bool { return p.skipValue() })
	case c == '[':
		p.i++
		if p.skipSpace(); p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return true
		}
		for {
			if !p.skipValue() {
				return false
			}
			p.skipSpace()
			if p.i >= len(p.b) {
				return false
			}
			if p.b[p.i] == ']' {
				p.i++
				return true
			}
			if p.b[p.i] != ',' {
				return false
			}
			p.i++
		}
	case c == '"':
		_, ok := p.rawString()
		return ok
	case c == 't' || c == 'f':
		_, ok := p.bool()
		return ok
	case c == '-' || (c >= '0' && c <= '9'):
		_, ok := p.int(64)
		return ok
	}
	return false // null, floats: the slow path
}
