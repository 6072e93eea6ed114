package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/sqlite"
)

// TestEraseLeavesNoTraceInTheFiles builds a small demo (events, a model,
// scores and feature state), gives one person a consent, a login link and
// operator reads in the access log, erases them with `sesame person erase`,
// and then: `sesame audit verify` passes, the erasure is in the log, and
// the bytes of its files (the log's too, each with its WAL) hold none of the person's id, event
// ids or event payloads.
func TestEraseLeavesNoTraceInTheFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "erase.db")
	if err := buildDemo(ctx, dbPath, 300, 7, func(string) {}); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	// A person whose id is no part of another's, so that finding it in the
	// bytes means finding them.
	var ids []string
	rows, err := db.Reader().QueryContext(ctx, `SELECT DISTINCT person FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		rows.Scan(&p)
		ids = append(ids, p)
	}
	rows.Close()
	person := ""
	for _, p := range ids {
		unique := true
		for _, q := range ids {
			if q != p && strings.Contains(q, p) {
				unique = false
			}
		}
		if unique {
			person = p
			break
		}
	}
	if person == "" {
		t.Fatal("no person whose id is not part of another's")
	}
	var eventIDs, payloads []string
	rows, err = db.Reader().QueryContext(ctx, `SELECT id, payload FROM events WHERE person = ?`, person)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var payload []byte
		rows.Scan(&id, &payload)
		eventIDs = append(eventIDs, id)
		// A payload's string values long enough to be telling (account
		// numbers, merchants, dates), not field names or kinds.
		var fields map[string]any
		if json.Unmarshal(payload, &fields) == nil {
			for _, v := range fields {
				if s, ok := v.(string); ok && len(s) >= 12 {
					payloads = append(payloads, s)
				}
			}
		}
	}
	rows.Close()
	// Only values no one else's events hold say anything about this person.
	own := payloads[:0]
	for _, v := range payloads {
		var others int
		db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM events WHERE person != ? AND instr(CAST(payload AS TEXT), ?) > 0`, person, v).Scan(&others)
		if others == 0 {
			own = append(own, v)
		}
	}
	payloads = own
	var scored int
	db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM scores WHERE person = ?`, person).Scan(&scored)
	db.Close()
	if len(eventIDs) == 0 || scored == 0 || len(payloads) == 0 {
		t.Fatalf("%s has %d events, %d own payload values and %d scores before erasure", person, len(eventIDs), len(payloads), scored)
	}

	must := func(args ...string) string {
		t.Helper()
		out, code := runCaptured(t, func() int { return run(ctx, args) })
		if code != 0 {
			t.Fatalf("sesame %s: exit %d: %s", strings.Join(args, " "), code, out)
		}
		return out
	}
	must("partner", "add", "--db", dbPath, "--redirect-uri", "https://acme.example/cb", "Acme Bank")
	must("consent", "grant", "--db", dbPath, "--purpose", "loan", "--scope", "score", person, "acme-bank")
	must("person", "login-link", "--db", dbPath, person)
	address := "erase-me-" + person + "@mail.example"
	must("notices", "mail-to", "--db", dbPath, "person:"+person, address)
	must("events", "--db", dbPath, "--actor", "alice", person)
	must("score", "--db", dbPath, "--actor", "alice", person)
	other := ids[0]
	if other == person {
		other = ids[1]
	}
	must("events", "--db", dbPath, "--actor", "alice", other)
	// A dispute: its reason and evidence are the person's words, and its
	// notice goes to the source's webhook queue as well as the inbox.
	db, err = sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var source string
	db.Reader().QueryRowContext(ctx, `SELECT source FROM events WHERE person = ? AND id = ?`, person, eventIDs[0]).Scan(&source)
	if _, err := db.Disputes().OpenDispute(ctx, person, sesame.EventKey{Source: source, ID: eventIDs[0]}, "erase-me-reason: I never had this account", "erase-me-evidence: a letter", time.Now()); err != nil {
		t.Fatal(err)
	}
	// A challenger's shadow score of the person, kept apart from the served ones.
	if err := db.Scores().SaveShadowScores(ctx, []*sesame.Score{{Person: person, ModelVersion: "challenger-1", Status: sesame.StatusScored, Score: 640, Band: sesame.Good, AsOf: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if _, code := runCaptured(t, func() int { return run(ctx, []string{"person", "erase", "--db", dbPath, person}) }); code == 0 {
		t.Fatal("person erase without --yes succeeded")
	}
	var receipt sesame.Erasure
	if err := json.Unmarshal([]byte(must("person", "erase", "--db", dbPath, "--actor", "bob", "--yes", "--json", person)), &receipt); err != nil {
		t.Fatal(err)
	}
	if receipt.Deleted["events"] != int64(len(eventIDs)) || receipt.Deleted["scores"] == 0 || receipt.Deleted["consents"] != 1 || receipt.Deleted["mail_addresses"] != 1 || receipt.AccessErased < 2 {
		t.Fatalf("receipt %+v: want %d events, the scores, the consent and at least 2 access entries", receipt, len(eventIDs))
	}
	if out := must("audit", "verify", "--db", dbPath); !strings.Contains(out, "log intact") {
		t.Fatalf("audit verify after erasure: %s", out)
	}

	// The log still names the other person and records the erasure.
	db, err = sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if es, err := db.AccessLog().AccessEntries(ctx, other, 10); err != nil || len(es) != 1 {
		t.Fatalf("the other person's entries: %v %v", es, err)
	}
	if es, err := db.AccessLog().AccessEntries(ctx, receipt.Receipt, 10); err != nil || len(es) != 1 || es[0].Actor != "operator:bob" {
		t.Fatalf("the erasure entry: %+v %v", es, err)
	}
	db.Close()

	for _, f := range sqlite.Files(dbPath) {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(person)) {
			t.Errorf("%s still holds the person's id %q at byte %d", filepath.Base(f), person, bytes.Index(b, []byte(person)))
		}
		if i := bytes.Index(b, []byte("erase-me-")); i >= 0 {
			t.Errorf("%s still holds the person's mail address or dispute: %q", filepath.Base(f), b[i:min(len(b), i+40)])
		}
		for _, id := range eventIDs {
			if bytes.Contains(b, []byte(id)) {
				t.Errorf("%s still holds event id %q", filepath.Base(f), id)
				break
			}
		}
		for _, p := range payloads {
			if bytes.Contains(b, []byte(p)) {
				t.Errorf("%s still holds the payload value %q", filepath.Base(f), p)
				break
			}
		}
	}
}
