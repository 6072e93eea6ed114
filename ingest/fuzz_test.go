package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// fuzzNow is fixed so that a corpus entry decodes the same way on every run.
var fuzzNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// drain decodes everything and checks the decoder's promises: it ends,
// it never returns both an event and an error, errors are domain errors
// with a code, and every event it yields is valid.
func drain(t *testing.T, data []byte, format Format) {
	dec, err := NewDecoder(bytes.NewReader(data), Options{Format: format, MaxRecord: 4096, Now: func() time.Time { return fuzzNow }})
	if err != nil {
		checkDomainError(t, err)
		return
	}
	for i := 0; ; i++ {
		if i > len(data)+1 {
			t.Fatalf("decoder yields more records (%d) than the input has bytes", i)
		}
		rec, err := dec.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			checkDomainError(t, err)
			return
		}
		if rec.Err != nil {
			checkDomainError(t, rec.Err)
			continue
		}
		if err := rec.Event.Validate(fuzzNow); err != nil {
			t.Fatalf("line %d: decoder yielded an invalid event: %v", rec.Line, err)
		}
		if _, _, err := rec.Event.Canonical(); err != nil {
			t.Fatalf("line %d: event cannot be encoded: %v", rec.Line, err)
		}
	}
}

func checkDomainError(t *testing.T, err error) {
	var se *sesame.Error
	if !errors.As(err, &se) || se.Code == "" || se.Code == sesame.EINTERNAL {
		t.Fatalf("error without a client-facing code: %v", err)
	}
}

func seedEvents(f *testing.F) [][]byte {
	var out [][]byte
	for i := range everyKindF() {
		b, _ := json.Marshal(&everyKindF()[i])
		out = append(out, b)
	}
	return out
}

func FuzzJSONDecoder(f *testing.F) {
	lines := seedEvents(f)
	f.Add(bytes.Join(lines[:3], []byte("\n")))
	f.Add([]byte("[" + string(bytes.Join(lines[3:6], []byte(","))) + "]"))
	f.Add([]byte(`{"source":"s","id":"1","person":"p","kind":"payment.made","occurred_at":"2025-01-01T00:00:00Z","payload":{"amount":{"amount":1,"currency":"CNY"},"merchant_category":"a","channel":"qr"}}`))
	f.Add([]byte(`[{"v":1},null,5,"x"]`))
	for _, l := range lines {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, data, NDJSON)
		drain(t, data, JSON)
		drain(t, data, Auto)
	})
}

func FuzzCSVDecoder(f *testing.F) {
	f.Add([]byte("source,id,person,kind,occurred_at,amount,currency,merchant_category,channel\ns,1,p,payment.made,2025-01-01T00:00:00Z,100,CNY,5411,qr\n"))
	f.Add([]byte("source,id,person,kind,occurred_at,limit,limit_currency,account,type\ns,1,p,credit_line.opened,2025-01-01T00:00:00+08:00,500,USD,acc,credit_card\n"))
	f.Add([]byte("source,id,person,kind,occurred_at,protected.sex,identity_verified\ns,1,p,identity.reported,2025-01-01T00:00:00Z,f,true\n"))
	f.Add([]byte("source,id,person,kind,occurred_at\n\"s,1,p\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, data, CSV)
	})
}

// FuzzFastDecode checks that the fast JSON path never accepts an event
// differently from the domain's DecodeEvent.
func FuzzFastDecode(f *testing.F) {
	for _, l := range seedEvents(f) {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameDecoding(t, data, fuzzNow)
		e, err := DecodeEvent(data, fuzzNow)
		if err == nil {
			if verr := e.Validate(fuzzNow); verr != nil {
				t.Fatalf("accepted an invalid event: %v", verr)
			}
		} else {
			checkDomainError(t, err)
		}
	})
}
