package sesame

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DecodeEvent parses one JSON event strictly and validates it against now.
// Unknown fields, wrong types, times without a zone and payloads that do not
// match the kind are rejected; the returned *Error names every bad field.
// RecordedAt must not be set by the sender: the ledger sets it.
func DecodeEvent(data []byte, now time.Time) (Event, error) {
	var e Event
	v := &validator{}
	decodeEnvelope(data, &e, v)
	if len(v.errs) == 0 {
		e.validate(v, now)
	}
	if err := v.err("invalid event"); err != nil {
		return Event{}, err
	}
	return e, nil
}

// envelope is the wire form of an event; the payload is decoded once the kind is known.
type envelope struct {
	V          *int            `json:"v"`
	Source     string          `json:"source"`
	ID         string          `json:"id"`
	Person     string          `json:"person"`
	Kind       Kind            `json:"kind"`
	OccurredAt json.RawMessage `json:"occurred_at"`
	RecordedAt json.RawMessage `json:"recorded_at"`
	Payload    json.RawMessage `json:"payload"`
}

func decodeEnvelope(data []byte, e *Event, v *validator) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		v.add("", "must be a JSON object")
		return
	}
	if k := DuplicateKey(data); k != "" {
		v.add(k, "appears more than once; give each field once")
		return
	}
	var w envelope
	if err := strictUnmarshal(data, &w); err != nil {
		// The fast path failed: find exactly which fields are wrong.
		strictFields(data, reflect.ValueOf(&w).Elem(), v)
		if len(v.errs) == 0 {
			v.add("", "is not valid JSON: "+jsonReason(err))
		}
		return
	}
	e.Version = EnvelopeVersion
	if w.V != nil {
		e.Version = *w.V
	}
	e.Source, e.ID, e.Person, e.Kind = w.Source, w.ID, w.Person, w.Kind
	if w.RecordedAt != nil {
		v.add("recorded_at", "is set by the ledger when it stores the event; leave it out")
	}
	if w.OccurredAt != nil {
		e.OccurredAt = parseTime(w.OccurredAt, "occurred_at", v)
	}
	if !e.Kind.Known() || w.Payload == nil || bytes.Equal(w.Payload, []byte("null")) {
		return // validate reports the missing kind or payload
	}
	p := NewPayload(e.Kind)
	if err := strictUnmarshal(w.Payload, p); err != nil {
		pv := &validator{parent: v, prefix: "payload."}
		if len(bytes.TrimSpace(w.Payload)) == 0 || bytes.TrimSpace(w.Payload)[0] != '{' {
			v.add("payload", "must be a JSON object")
			return
		}
		strictFields(w.Payload, reflect.ValueOf(p).Elem(), pv)
		if len(v.errs) == 0 {
			v.add("payload", jsonReason(err))
		}
		return
	}
	e.Payload = p
}

func strictUnmarshal(data []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the object")
	}
	return nil
}

func parseTime(raw json.RawMessage, field string, v *validator) time.Time {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		v.add(field, "must be an RFC 3339 time string with a zone, e.g. 2026-11-25T09:30:00+08:00")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		v.add(field, "must be an RFC 3339 time with a zone (Z or ±hh:mm), e.g. 2026-11-25T09:30:00+08:00; got "+quote(s))
		return time.Time{}
	}
	return t
}

var timeType = reflect.TypeOf(time.Time{})

// strictFields decodes a JSON object field by field into the struct dst,
// reporting each unknown or mistyped field by name. It is the slow path,
// run only to explain why the fast decode failed.
func strictFields(data []byte, dst reflect.Value, v *validator) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		v.add("", "must be a JSON object: "+jsonReason(err))
		return
	}
	fields := jsonFields(dst.Type())
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		idx, ok := fields[k]
		if !ok {
			v.add(k, "unknown field; allowed: "+strings.Join(sortedKeys(fields), ", "))
			continue
		}
		f := dst.Field(idx)
		raw := obj[k]
		ft := f.Type()
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft == timeType:
			if string(raw) != "null" {
				parseTime(raw, k, v)
			}
		case ft.Kind() == reflect.Struct:
			if b := bytes.TrimSpace(raw); len(b) == 0 || b[0] != '{' {
				v.add(k, "must be a JSON object")
				continue
			}
			strictFields(raw, reflect.New(ft).Elem(), &validator{parent: v, prefix: k + "."})
		default:
			if err := json.Unmarshal(raw, f.Addr().Interface()); err != nil {
				v.add(k, "must be "+typeWord(f.Type()))
			}
		}
	}
}

func jsonFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func typeWord(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer (money is in integer minor units)"
	case reflect.Map:
		return "an object of strings"
	}
	return "of type " + t.String()
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " at byte " + strconv.FormatInt(se.Offset, 10)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// UnmarshalJSON reads an event as the ledger wrote it (recorded_at included),
// with its payload typed by kind. It trusts its input: use DecodeEvent for
// anything a client sent.
func (e *Event) UnmarshalJSON(data []byte) error {
	var w struct {
		V          int             `json:"v"`
		Source     string          `json:"source"`
		ID         string          `json:"id"`
		Person     string          `json:"person"`
		Kind       Kind            `json:"kind"`
		OccurredAt time.Time       `json:"occurred_at"`
		RecordedAt time.Time       `json:"recorded_at"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	p := NewPayload(w.Kind)
	if p == nil {
		return Errorf(EINVALID, "unknown event kind %q", w.Kind)
	}
	if err := json.Unmarshal(w.Payload, p); err != nil {
		return err
	}
	*e = Event{Version: w.V, Source: w.Source, ID: w.ID, Person: w.Person, Kind: w.Kind,
		OccurredAt: w.OccurredAt, RecordedAt: w.RecordedAt, Payload: p}
	if e.Version == 0 {
		e.Version = EnvelopeVersion
	}
	return nil
}
