package ingest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
)

// sampleLines returns n generated events as NDJSON lines.
func sampleLines(tb testing.TB, n int) [][]byte {
	tb.Helper()
	g := ledgertest.NewGenerator(1, 1000)
	lines := make([][]byte, n)
	for i := range lines {
		e := g.Next()
		b, err := json.Marshal(&e)
		if err != nil {
			tb.Fatal(err)
		}
		lines[i] = b
	}
	return lines
}

// sameDecoding fails when the fast path accepts data differently from the domain's decoder.
func sameDecoding(t *testing.T, data []byte, now time.Time) {
	fast, ok := fastDecode(data)
	if !ok || fast.Validate(now) != nil {
		return // the slow path decides
	}
	slow, err := sesame.DecodeEvent(data, now)
	if err != nil {
		t.Fatalf("fast path accepted what DecodeEvent rejects (%v): %s", err, data)
	}
	fp, ffp, _ := fast.Canonical()
	sp, sfp, _ := slow.Canonical()
	if fast.Version != slow.Version || fast.Source != slow.Source || fast.ID != slow.ID || fast.Person != slow.Person ||
		fast.Kind != slow.Kind || !fast.OccurredAt.Equal(slow.OccurredAt) || fast.OccurredAt.String() != slow.OccurredAt.String() ||
		ffp != sfp || string(fp) != string(sp) {
		t.Fatalf("paths disagree on %s:\nfast %+v %s\nslow %+v %s", data, fast, fp, slow, sp)
	}
}

func TestFastDecodeAgreesOnEveryKind(t *testing.T) {
	now := time.Now()
	for _, line := range sampleLines(t, 5000) {
		if _, ok := fastDecode(line); !ok {
			t.Fatalf("fast path gave up on a plain event: %s", line)
		}
		sameDecoding(t, line, now)
	}
}

func TestFastDecodeFallsBack(t *testing.T) {
	now := time.Now()
	base := `"source":"s","id":"1","person":"p","kind":"payment.made","occurred_at":"2026-01-02T03:04:05Z"`
	tests := []struct {
		name, line string
		wantErr    bool
	}{
		{"escaped string", `{` + base + `,"payload":{"amount":{"amount":1,"currency":"CNY"},"merchant_category":"a\u0062","channel":"qr"}}`, false},
		{"other casing", `{"Source":"s","id":"1","person":"p","kind":"payment.made","occurred_at":"2026-01-02T03:04:05Z","payload":{"amount":{"amount":1,"currency":"CNY"},"merchant_category":"ab","channel":"qr"}}`, false},
		{"null direction", `{` + base + `,"payload":{"amount":{"amount":1,"currency":"CNY"},"merchant_category":"ab","channel":"qr","direction":null}}`, false},
		{"float amount", `{` + base + `,"payload":{"amount":{"amount":1.5,"currency":"CNY"},"merchant_category":"ab","channel":"qr"}}`, true},
		{"unknown field", `{` + base + `,"payload":{"amount":{"amount":1,"currency":"CNY"},"merchant_category":"ab","channel":"qr","tip":1}}`, true},
		{"recorded_at", `{` + base + `,"recorded_at":"2026-01-02T03:04:05Z","payload":{"amount":{"amount":1,"currency":"CNY"},"merchant_category":"ab","channel":"qr"}}`, true},
		{"trailing data", `{` + base + `,"payload":{"amount":{"amount":1,"currency":"CNY"},"merchant_category":"ab","channel":"qr"}} x`, true},
		{"invalid value", `{` + base + `,"payload":{"amount":{"amount":-1,"currency":"CNY"},"merchant_category":"ab","channel":"qr"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameDecoding(t, []byte(tt.line), now)
			_, err := DecodeEvent([]byte(tt.line), now)
			_, want := sesame.DecodeEvent([]byte(tt.line), now)
			if (err != nil) != tt.wantErr || (err == nil) != (want == nil) {
				t.Fatalf("err %v, domain's %v, want error %v", err, want, tt.wantErr)
			}
			if err != nil && err.Error() != want.Error() {
				t.Errorf("error %q differs from the domain's %q", err, want)
			}
		})
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	lines := sampleLines(b, 1000)
	now := time.Now()
	for _, bc := range []struct {
		name string
		fn   func([]byte, time.Time) (sesame.Event, error)
	}{{"fast", DecodeEvent}, {"domain", sesame.DecodeEvent}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := bc.fn(lines[i%len(lines)], now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDuplicateKeysRefused: an event that gives a key twice is refused,
// naming the key, on the fast path and the slow one alike (encoding/json
// would keep the last silently).
func TestDuplicateKeysRefused(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := `{"source":"s","id":"1","person":"p","kind":"payment.made","occurred_at":"2025-01-01T00:00:00Z","payload":{"amount":{"amount":1200,"currency":"CNY"},"merchant_category":"xy","channel":"qr"}}`
	if _, err := DecodeEvent([]byte(ok), now); err != nil {
		t.Fatalf("the valid event: %v", err)
	}
	cases := map[string]string{
		"person":                    strings.Replace(ok, `"person":"p"`, `"person":"p","person":"q"`, 1),
		"kind":                      strings.Replace(ok, `"kind":"payment.made"`, `"kind":"payment.made","kind":"payment.made"`, 1),
		"payload.channel":           strings.Replace(ok, `"channel":"qr"`, `"channel":"qr","channel":"card"`, 1),
		"payload.amount.amount":     strings.Replace(ok, `"amount":1200`, `"amount":1200,"amount":1`, 1),
		"payload.merchant_category": strings.Replace(ok, `"merchant_category":"xy"`, `"merchant_category":"xy","merchant_category":"yz"`, 1),
	}
	for field, in := range cases {
		_, err := DecodeEvent([]byte(in), now)
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("duplicate %s: %v, want an error naming it", field, err)
		}
	}
}
