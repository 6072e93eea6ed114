package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
)

// decodeAll reads every record; fatal is the error that ended the input.
func decodeAll(t *testing.T, input string, opt Options) (recs []Record, fatal error) {
	t.Helper()
	dec, err := NewDecoder(strings.NewReader(input), opt)
	if err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		if i > 100_000 {
			t.Fatal("decoder does not end")
		}
		rec, err := dec.Next()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		rec.Raw = append([]byte(nil), rec.Raw...)
		recs = append(recs, rec)
	}
}

// fieldsOf lists the fields an error names.
func fieldsOf(err error) []string {
	var se *sesame.Error
	if !errors.As(err, &se) {
		return nil
	}
	var out []string
	for _, d := range se.Details {
		out = append(out, d.Field)
	}
	return out
}

func everyKind(t *testing.T) []sesame.Event { return everyKindF() }

// everyKindF returns one valid event of every kind.
func everyKindF() []sesame.Event {
	var out []sesame.Event
	for i, k := range sesame.Kinds() {
		out = append(out, ledgertest.NewEvent("src", fmt.Sprintf("e%d", i), "alice", k, ledgertest.Base.Add(time.Duration(i)*time.Hour), i))
	}
	return out
}

func sameEvents(t *testing.T, got []Record, want []sesame.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.Err != nil {
			t.Fatalf("record %d (line %d): %v\n%s", i, r.Line, r.Err, r.Raw)
		}
		gp, gfp, _ := r.Event.Canonical()
		wp, wfp, _ := want[i].Canonical()
		if gfp != wfp || r.Event.Source != want[i].Source || r.Event.ID != want[i].ID {
			t.Errorf("record %d: %s %s, want %s %s", i, r.Event.Kind, gp, want[i].Kind, wp)
		}
	}
}

func TestNDJSON(t *testing.T) {
	events := everyKind(t)
	var in bytes.Buffer
	for i := range events {
		b, _ := json.Marshal(&events[i])
		in.Write(b)
		in.WriteString("\n\n") // blank lines are skipped but counted
	}
	recs, err := decodeAll(t, in.String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, recs, events)
	if recs[1].Line != 3 {
		t.Errorf("second record on line %d, want 3", recs[1].Line)
	}
	// No final newline, CRLF line ends.
	b, _ := json.Marshal(&events[0])
	recs, _ = decodeAll(t, string(b)+"\r\n"+string(b), Options{})
	sameEvents(t, recs, []sesame.Event{events[0], events[0]})
}

func TestNDJSONBadLinesDoNotStopTheStream(t *testing.T) {
	good, _ := json.Marshal(ptr(ledgertest.NewEvent("s", "1", "p", sesame.KindPaymentMade, ledgertest.Base, 1)))
	long := `{"source":"` + strings.Repeat("x", 300) + `"}`
	input := strings.Join([]string{
		string(good),
		`{"source":"s","id":"2","person":"p","kind":"payment.made","occurred_at":"2025-01-01T00:00:00Z","payload":{"amount":{"amount":"12","currency":"CNY"},"merchant_category":"x","channel":"qr"}}`,
		`not json`,
		long,
		`{"source":"s","id":"3","person":"p","kind":"payment.made","occurred_at":"2025-01-01T00:00:00","payload":{}}`,
		string(good),
	}, "\n")
	recs, err := decodeAll(t, input, Options{MaxRecord: 256})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line   int
		code   string
		fields []string
	}{
		{1, "", nil},
		{2, sesame.EINVALID, []string{"payload.amount.amount"}},
		{3, sesame.EINVALID, nil},
		{4, sesame.ETOOLARGE, nil},
		{5, sesame.EINVALID, []string{"occurred_at"}},
		{6, "", nil},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if r.Line != w.line || sesame.ErrorCode(r.Err) != w.code {
			t.Errorf("record %d: line %d code %q (%v), want line %d code %q", i, r.Line, sesame.ErrorCode(r.Err), r.Err, w.line, w.code)
		}
		if w.fields != nil && !reflect.DeepEqual(fieldsOf(r.Err), w.fields) {
			t.Errorf("line %d names %v, want %v", r.Line, fieldsOf(r.Err), w.fields)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestJSONArray(t *testing.T) {
	events := everyKind(t)
	b, _ := json.MarshalIndent(events, "  ", "  ")
	recs, err := decodeAll(t, "\n  "+string(b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, recs, events)
	if recs[3].Line != 4 {
		t.Errorf("fourth element has position %d", recs[3].Line)
	}

	tests := []struct {
		name      string
		input     string
		records   int
		fatalCode string
	}{
		{"empty array", `[]`, 0, ""},
		{"bad element, then more", `[{"source":1}, ` + string(mustJSON(events[0])) + `]`, 2, ""},
		{"not an object", `[5]`, 1, ""},
		{"broken syntax", `[` + string(mustJSON(events[0])) + `, {"source": ]`, 1, sesame.EINVALID},
		{"cut short", `[` + string(mustJSON(events[0])) + `,`, 1, sesame.EINVALID},
		{"trailing data", `[]x`, 0, sesame.EINVALID},
		{"element too large", `[{"source":"` + strings.Repeat("y", 200_000) + `"}]`, 0, sesame.ETOOLARGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := decodeAll(t, tt.input, Options{MaxRecord: 1000})
			if len(recs) != tt.records || sesame.ErrorCode(err) != tt.fatalCode {
				t.Errorf("%d records, error %v; want %d and code %q", len(recs), err, tt.records, tt.fatalCode)
			}
		})
	}
}

func mustJSON(e sesame.Event) []byte { b, _ := json.Marshal(&e); return b }

// csvFile writes events as one CSV file with the union of their columns.
func csvFile(t *testing.T, events []sesame.Event) string {
	t.Helper()
	var header []string
	index := map[string]int{}
	var rows []map[string]string
	for i := range events {
		h, r, err := CSVRecord(&events[i])
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for j, name := range h {
			if _, ok := index[name]; !ok {
				index[name] = len(header)
				header = append(header, name)
			}
			m[name] = r[j]
		}
		rows = append(rows, m)
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	w.Write(header)
	for _, m := range rows {
		row := make([]string, len(header))
		for name, v := range m {
			row[index[name]] = v
		}
		w.Write(row)
	}
	w.Flush()
	return out.String()
}

func TestCSVEveryKind(t *testing.T) {
	events := everyKind(t)
	yes := true
	since := ledgertest.Base.AddDate(-2, 0, 0)
	events = append(events, sesame.Event{Version: 1, Source: "s", ID: "prot", Person: "alice", Kind: sesame.KindIdentityReported, OccurredAt: ledgertest.Base,
		Payload: &sesame.IdentityReported{IdentityVerified: &yes, PhoneSince: &since, Protected: map[string]string{"sex": "f"}}})
	// Each kind alone, with only its own columns …
	for _, e := range events {
		recs, err := decodeAll(t, csvFile(t, []sesame.Event{e}), Options{})
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		sameEvents(t, recs, []sesame.Event{e})
	}
	// … and all kinds in one file with the union of the columns.
	recs, err := decodeAll(t, csvFile(t, events), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, recs, events)
	if recs[0].Line != 2 {
		t.Errorf("first row on line %d, want 2 (after the header)", recs[0].Line)
	}
}

func TestCSVErrorsNameColumns(t *testing.T) {
	const header = "source,id,person,kind,occurred_at,amount,currency,merchant_category,channel,limit,limit_currency,account,type\n"
	tests := []struct {
		name   string
		row    string
		fields []string
	}{
		{"valid payment", "s,1,p,payment.made,2025-01-01T00:00:00Z,100,CNY,5411,qr,,,,", nil},
		{"amount not a number", "s,1,p,payment.made,2025-01-01T00:00:00Z,1.5,CNY,5411,qr,,,,", []string{"amount"}},
		{"bad shared currency", "s,1,p,payment.made,2025-01-01T00:00:00Z,100,XXX,5411,qr,,,,", []string{"currency"}},
		{"missing amount", "s,1,p,payment.made,2025-01-01T00:00:00Z,,CNY,5411,qr,,,,", []string{"amount"}},
		{"another kind's column", "s,1,p,payment.made,2025-01-01T00:00:00Z,100,CNY,5411,qr,,,acc,", []string{"account"}},
		{"own currency column wins", "s,1,p,credit_line.opened,2025-01-01T00:00:00Z,,,,,500,USD,acc,credit_card", nil},
		{"bad own currency", "s,1,p,credit_line.opened,2025-01-01T00:00:00Z,,CNY,,,500,usd,acc,credit_card", []string{"limit_currency"}},
		{"bad envelope", ",1,p,payment.made,2025-01-01,100,CNY,5411,qr,,,,", []string{"occurred_at"}}, // the domain validates once the envelope parses,
		{"unknown kind", "s,1,p,payment.mad,2025-01-01T00:00:00Z,100,CNY,5411,qr,,,,", []string{"kind"}},
		{"wrong field count", "s,1,p,payment.made", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := decodeAll(t, header+tt.row+"\n", Options{})
			if err != nil || len(recs) != 1 {
				t.Fatalf("%d records, error %v", len(recs), err)
			}
			if got := fieldsOf(recs[0].Err); !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("fields %v (%v), want %v", got, recs[0].Err, tt.fields)
			}
			if recs[0].Line != 2 || len(recs[0].Raw) == 0 {
				t.Errorf("line %d, raw %q", recs[0].Line, recs[0].Raw)
			}
		})
	}
}

func TestCSVHeader(t *testing.T) {
	tests := []struct {
		name, input string
		ok          bool
	}{
		{"empty file", "", true},
		{"header only", "source,id,person,kind,occurred_at\n", true},
		{"byte order mark", "\xEF\xBB\xBFsource,id,person,kind,occurred_at\n", true},
		{"unknown column", "source,id,person,kind,occurred_at,colour\n", false},
		{"missing envelope column", "source,id,kind,occurred_at\n", false},
		{"duplicate column", "source,id,person,kind,occurred_at,amount,amount\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeAll(t, tt.input, Options{Format: CSV})
			if (err == nil) != tt.ok {
				t.Errorf("error %v, want ok=%v", err, tt.ok)
			}
			if err != nil && sesame.ErrorCode(err) != sesame.EINVALID {
				t.Errorf("code %q, want invalid", sesame.ErrorCode(err))
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		input string
		want  Format
	}{
		{"  \n[", JSON}, {"{", NDJSON}, {"\n\n{", NDJSON}, {"source,id,person,kind,occurred_at", CSV}, {"", NDJSON},
	}
	for _, tt := range tests {
		dec, err := NewDecoder(strings.NewReader(tt.input), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got Format
		switch dec.(type) {
		case *arrayDecoder:
			got = JSON
		case *ndjsonDecoder:
			got = NDJSON
		case *csvDecoder:
			got = CSV
		}
		if got != tt.want {
			t.Errorf("%q detected as %s, want %s", tt.input, got, tt.want)
		}
	}
}
