package sqlite

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
)

// TestJournalLineRoundTrip: what appendLine writes is one line that
// encoding/json reads back as the same journalLine, whatever the text.
func TestJournalLineRoundTrip(t *testing.T) {
	texts := []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rreturn", "\x00\x01\x1f\x7f", "é ü 漢字 🙂",
		"<html>&amp;</html>", "\u2028\u2029", strings.Repeat("long ", 300)}
	for i, s := range texts {
		l := journalLine{Seq: int64(i) - 3, At: 1764147600123456789, Person: s, Actor: "partner:" + s, Action: "score.read", Scope: s,
			Purpose: "loan", Consent: s, Outcome: "allowed", Reason: s, PrevHash: strings.Repeat("a", 64), Hash: s}
		checkLine(t, &l)
	}
}

func checkLine(t *testing.T, l *journalLine) {
	t.Helper()
	b := appendLine(nil, l)
	if bytes.IndexByte(b, '\n') != len(b)-1 {
		t.Fatalf("%q: not one line", b)
	}
	var back journalLine
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	if back != *l {
		t.Fatalf("read back %+v\nwant %+v\nfrom %q", back, *l, b)
	}
}

// FuzzJournalLine: any valid-UTF-8 entry round-trips; validUTF8 makes any
// text valid first, as the journal does before sealing.
func FuzzJournalLine(f *testing.F) {
	f.Add(int64(1), int64(2), "p1", "reason", "x")
	f.Add(int64(-1), int64(0), "\xff\xfe", "\"\\\n", "\u2028")
	f.Fuzz(func(t *testing.T, seq, at int64, person, reason, other string) {
		e := &sesame.AccessEntry{Person: person, Actor: other, Action: other, Scope: sesame.Scope(other), Purpose: sesame.Purpose(other),
			Consent: other, Outcome: other, Reason: reason}
		validUTF8(e)
		l := journalLine{Seq: seq, At: at, Person: e.Person, Actor: e.Actor, Action: e.Action, Scope: string(e.Scope), Purpose: string(e.Purpose),
			Consent: e.Consent, Outcome: e.Outcome, Reason: e.Reason, PrevHash: "h", Hash: other}
		if l.Hash != strings.ToValidUTF8(l.Hash, "\uFFFD") {
			l.Hash = strings.ToValidUTF8(l.Hash, "\uFFFD")
		}
		checkLine(t, &l)
	})
}

// TestJournalKeepsInvalidUTF8Entries: an entry whose text is not valid
// UTF-8 is stored (with U+FFFD in its place), and another handle, which
// reads the journal's file, takes its line as it was hashed, not for a
// torn tail to cut.
func TestJournalKeepsInvalidUTF8Entries(t *testing.T) {
	path, logs := twoHandles(t)
	e := accessEntry("p\xff1")
	e.Reason = "bad \xc3\x28 text"
	if err := logs[0].AppendAccess(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	if e.Person != "p\uFFFD1" || e.Reason != "bad \uFFFD( text" {
		t.Fatalf("stored %q, %q", e.Person, e.Reason)
	}
	after := appendN(t, logs[1], "q", 2)
	if cuts, _ := filepath.Glob(path + "-access.cut-*"); len(cuts) > 0 {
		t.Fatalf("the other handle cut the entry off: %v", cuts)
	}
	wantStored(t, logs[1], 3, append([]*sesame.AccessEntry{e}, after...)...)
}
