package sqlite

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sesame-credit/sesame"
)

// The access journal's line format: one JSON object per entry, the
// access_log row, written by appendLine and read by encoding/json.

// journalLine is an entry as the journal stores it: the access_log row.
type journalLine struct {
	Seq      int64  `json:"seq"`
	At       int64  `json:"at"` // Unix nanoseconds, as access_log stores it
	Person   string `json:"person"`
	Actor    string `json:"actor"`
	Action   string `json:"action"`
	Scope    string `json:"scope"`
	Purpose  string `json:"purpose"`
	Consent  string `json:"consent"`
	Outcome  string `json:"outcome"`
	Reason   string `json:"reason"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

func lineOf(e *sesame.AccessEntry) journalLine {
	return journalLine{Seq: e.Seq, At: tsNS(e.At), Person: e.Person, Actor: e.Actor, Action: e.Action, Scope: string(e.Scope),
		Purpose: string(e.Purpose), Consent: e.Consent, Outcome: e.Outcome, Reason: e.Reason, PrevHash: e.PrevHash, Hash: e.Hash}
}

func (l *journalLine) entry() *sesame.AccessEntry {
	return &sesame.AccessEntry{Seq: l.Seq, At: tsFromNS(l.At), Person: l.Person, Actor: l.Actor, Action: l.Action, Scope: sesame.Scope(l.Scope),
		Purpose: sesame.Purpose(l.Purpose), Consent: l.Consent, Outcome: l.Outcome, Reason: l.Reason, PrevHash: l.PrevHash, Hash: l.Hash}
}

// appendLine appends l as one JSON line (newline included). Written by
// hand rather than by encoding/json, whose reflection took a fifth of an
// append's time under the journal's lock; what it writes, encoding/json
// reads back as l exactly (TestJournalLineRoundTrip, FuzzJournalLine),
// given valid UTF-8, which validUTF8 ensures before an entry is sealed
// (sesame.AppendJSONString would replace what is not, after the hash).
func appendLine(b []byte, l *journalLine) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, l.Seq, 10)
	b = append(b, `,"at":`...)
	b = strconv.AppendInt(b, l.At, 10)
	for _, f := range [...]struct{ key, value string }{
		{`,"person":`, l.Person}, {`,"actor":`, l.Actor}, {`,"action":`, l.Action}, {`,"scope":`, l.Scope},
		{`,"purpose":`, l.Purpose}, {`,"consent":`, l.Consent}, {`,"outcome":`, l.Outcome}, {`,"reason":`, l.Reason},
		{`,"prev_hash":`, l.PrevHash}, {`,"hash":`, l.Hash},
	} {
		b = append(b, f.key...)
		b = sesame.AppendJSONString(b, f.value)
	}
	return append(b, "}\n"...)
}

// validUTF8 replaces invalid UTF-8 in e's text with U+FFFD before it is
// sealed: JSON cannot carry such bytes, so a line holding them would not
// read back as it was hashed, and the journal would take it for a torn
// tail. Nothing sends such text today (ids are validated, reasons are
// ours); this keeps it so.
func validUTF8(e *sesame.AccessEntry) {
	for _, s := range []*string{&e.Person, &e.Actor, &e.Action, (*string)(&e.Scope), (*string)(&e.Purpose), &e.Consent, &e.Outcome, &e.Reason} {
		if !utf8.ValidString(*s) {
			*s = strings.ToValidUTF8(*s, "\uFFFD")
		}
	}
}
