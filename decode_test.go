package sesame_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

var fuzzNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// FuzzDecodeEvent checks DecodeEvent on any input: it never panics; it
// either returns an invalid error naming fields, or a valid event that
// survives a round trip through its JSON form unchanged.
func FuzzDecodeEvent(f *testing.F) {
	for _, tc := range validEvents() {
		b, _ := json.Marshal(tc.event)
		f.Add(b)
	}
	f.Add([]byte(`{"source":"s","id":"1","person":"p","kind":"payment.made","occurred_at":"2025-01-01T00:00:00Z","payload":{"amount":{"amount":"1","currency":"CNY"}}}`))
	f.Add([]byte(`{"payload":null,"recorded_at":1,"Source":"x"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := sesame.DecodeEvent(data, fuzzNow)
		if err != nil {
			var se *sesame.Error
			if !errors.As(err, &se) || se.Code != sesame.EINVALID || len(se.Details) == 0 {
				t.Fatalf("error is not an invalid *Error with details: %#v", err)
			}
			return
		}
		if err := e.Validate(fuzzNow); err != nil {
			t.Fatalf("decoded event fails validation: %v", err)
		}
		out, err := json.Marshal(&e)
		if err != nil {
			t.Fatalf("decoded event does not encode: %v", err)
		}
		again, err := sesame.DecodeEvent(out, fuzzNow)
		if err != nil {
			t.Fatalf("re-encoded event %s does not decode: %v", out, err)
		}
		_, fp1, _ := e.Canonical()
		_, fp2, _ := again.Canonical()
		if fp1 != fp2 || e.Source != again.Source || e.ID != again.ID || e.Version != again.Version {
			t.Fatalf("round trip changed the event:\n%s\n%+v\n%+v", out, e, again)
		}
	})
}

func TestDecodeEventStrictJSON(t *testing.T) {
	const env = `"source":"bank-1","id":"evt-1","person":"person-1","kind":"payment.made","occurred_at":"2026-06-01T09:30:00+08:00"`
	const pay = `"payload":{"amount":{"amount":3550,"currency":"CNY"},"merchant_category":"5411","channel":"qr"}`
	tests := []struct {
		name   string
		in     string
		fields []string
	}{
		{"valid", `{` + env + `,` + pay + `}`, nil},
		{"valid with v", `{"v":1,` + env + `,` + pay + `}`, nil},
		{"v 2", `{"v":2,` + env + `,` + pay + `}`, []string{"v"}},
		{"not an object", `[1]`, []string{""}},
		{"empty", ``, []string{""}},
		{"syntax error", `{` + env + `,`, []string{""}},
		{"trailing data", `{` + env + `,` + pay + `} {}`, []string{""}},
		{"unknown envelope field", `{` + env + `,"colour":"red",` + pay + `}`, []string{"colour"}},
		{"recorded_at set", `{` + env + `,"recorded_at":"2026-06-01T09:30:00Z",` + pay + `}`, []string{"recorded_at"}},
		{"source not a string", `{"source":1,"id":"evt-1","person":"p","kind":"payment.made","occurred_at":"2026-06-01T09:30:00Z",` + pay + `}`, []string{"source"}},
		{"time without zone", `{"source":"s","id":"evt-1","person":"p","kind":"payment.made","occurred_at":"2026-06-01T09:30:00",` + pay + `}`, []string{"occurred_at"}},
		{"time as number", `{"source":"s","id":"evt-1","person":"p","kind":"payment.made","occurred_at":1700000000,` + pay + `}`, []string{"occurred_at"}},
		{"unknown payload field", `{` + env + `,"payload":{"amount":{"amount":1,"currency":"CNY"},"merchant_category":"x","channel":"qr","tip":1}}`, []string{"payload.tip"}},
		{"float money", `{` + env + `,"payload":{"amount":{"amount":35.5,"currency":"CNY"},"merchant_category":"x","channel":"qr"}}`, []string{"payload.amount.amount"}},
		{"money as string", `{` + env + `,"payload":{"amount":{"amount":"35","currency":"CNY"},"merchant_category":"x","channel":"qr"}}`, []string{"payload.amount.amount"}},
		{"money not an object", `{` + env + `,"payload":{"amount":35,"merchant_category":"x","channel":"qr"}}`, []string{"payload.amount"}},
		{"payload not an object", `{` + env + `,"payload":"x"}`, []string{"payload"}},
		{"payload null", `{` + env + `,"payload":null}`, []string{"payload"}},
		{"payload missing", `{` + env + `}`, []string{"payload"}},
		{"payload of another kind", `{` + env + `,"payload":{"loan":"l"}}`, []string{"payload.loan"}},
		{"due date without zone", `{"source":"s","id":"e","person":"p","kind":"bill.issued","occurred_at":"2026-06-01T09:30:00Z","payload":{"bill":"b","category":"water","amount":{"amount":1,"currency":"CNY"},"due_at":"2026-06-20"}}`, []string{"payload.due_at"}},
		{"unknown kind", `{"source":"s","id":"e","person":"p","kind":"loan.forgiven","occurred_at":"2026-06-01T09:30:00Z","payload":{}}`, []string{"kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := sesame.DecodeEvent([]byte(tt.in), testNow)
			got := errFields(t, err)
			if !equalStrings(got, tt.fields) {
				t.Fatalf("fields %v (%v), want %v", got, err, tt.fields)
			}
			if err == nil && (e.Version != 1 || e.Payload == nil || !e.RecordedAt.IsZero()) {
				t.Errorf("decoded %+v", e)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDecodeEveryKind decodes the JSON form of every valid event back to the same event.
func TestDecodeEveryKind(t *testing.T) {
	for _, tc := range validEvents() {
		b, err := json.Marshal(tc.event)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sesame.DecodeEvent(b, testNow)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.event.Kind, err, b)
		}
		_, want, _ := tc.event.Canonical()
		if _, fp, _ := got.Canonical(); fp != want || !got.OccurredAt.Equal(tc.event.OccurredAt) {
			t.Errorf("%s: decoded %+v", tc.event.Kind, got)
		}
	}
}
