package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

// TestEraseLeavesNoRow gives two people events, scores, a consent, a
// session and login link, access entries, notices and a mail address,
// erases one, and then looks in every text and bytea column of every
// table: the erased person's id is nowhere, the other's still is, and the
// access log verifies.
func TestEraseLeavesNoRow(t *testing.T) {
	ctx := context.Background()
	url := pgtest.FreshURL(t)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	trust := db.Trust()
	if err := trust.CreatePartner(ctx, &sesame.Partner{ID: "acme", Name: "Acme", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	people := []string{"zed-erase-me", "bob-keeps"}
	for i, p := range people {
		if _, err := db.Events().Append(ctx, []sesame.Event{
			ledgertest.NewEvent("bank", p+"-e1", p, sesame.KindPaymentMade, now.Add(-48*time.Hour), i+1),
			ledgertest.NewEvent("bank", p+"-e2", p, sesame.KindPaymentMade, now.Add(-24*time.Hour), i+2),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO scores (person, status, score, band, model_version, as_of, computed_at) VALUES ('%s', 'scored', 640, 'good', 'm1', 0, 0)`, p)); err != nil {
			t.Fatal(err)
		}
		if err := trust.CreateConsent(ctx, &sesame.Consent{ID: "con_" + p, Person: p, Partner: "acme", Purpose: sesame.PurposeLoan, Scope: sesame.ScopeScore, GrantedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := trust.CreateLoginLink(ctx, []byte("link-"+p), p, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := trust.CreateSession(ctx, &auth.Session{Hash: []byte("session-" + p), Person: p, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := trust.SetContact(ctx, auth.Contact{Identifier: p + "@login.example", Kind: auth.ContactEmail, Person: p, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := trust.AddPasskey(ctx, &auth.Passkey{ID: "key-" + p, Person: p, Name: p + "'s phone", Credential: []byte(`{}`), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := trust.SaveCeremony(ctx, []byte("ceremony-"+p), p, []byte(`{}`), now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := trust.AppendAccess(ctx, &sesame.AccessEntry{At: now, Person: p, Actor: "partner:acme", Action: "score.read", Consent: "con_" + p, Outcome: sesame.AccessAllowed}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.NoticeFeed().EnqueueNotices(ctx, "", 0, []sesame.Notice{
			{ID: "n_person_" + p, Recipient: sesame.PersonRecipient(p), Topic: sesame.TopicAccess, Body: []byte(`{}`), CreatedAt: now},
			{ID: "n_partner_" + p, Recipient: sesame.PartnerRecipient("acme"), Topic: sesame.TopicConsentExpiring, Body: []byte(`{"person":"` + p + `"}`), CreatedAt: now},
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.Outbox().SetMailAddress(ctx, sesame.PersonRecipient(p), p+"@mail.example", now); err != nil {
			t.Fatal(err)
		}
		if err := db.Scores().SaveShadowScores(ctx, []*sesame.Score{{Person: p, ModelVersion: "challenger-1", Status: sesame.StatusScored, Score: 640, Band: sesame.Good, AsOf: now}}); err != nil {
			t.Fatal(err)
		}
		if err := db.FeatureStates().SaveStates(ctx, []feature.Snapshot{{Person: p, Version: 1, Seq: 2, State: []byte("folded state of " + p)}}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := db.Eraser().ErasePerson(ctx, people[0], "operator:test", now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Deleted["events"] != 2 || r.Deleted["scores"] != 1 || r.Deleted["feature_state"] != 1 || r.Deleted["notices"] != 2 || r.AccessErased != 2 {
		t.Errorf("receipt %+v", r)
	}
	rep, err := audit.Verify(ctx, trust, audit.Options{})
	if err != nil || !rep.OK {
		t.Fatalf("the access log after erasure: %+v %v", rep.Problems, err)
	}

	found := func(needle string) []string {
		rows, err := conn.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND data_type IN ('text', 'bytea', 'character varying', 'jsonb')`)
		if err != nil {
			t.Fatal(err)
		}
		type col struct{ table, column, typ string }
		cols, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (col, error) {
			var c col
			return c, row.Scan(&c.table, &c.column, &c.typ)
		})
		if err != nil {
			t.Fatal(err)
		}
		var where []string
		for _, c := range cols {
			expr := fmt.Sprintf(`%q::text`, c.column)
			if c.typ == "bytea" {
				expr = fmt.Sprintf(`encode(%q, 'escape')`, c.column)
			}
			var n int
			if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %q WHERE strpos(%s, $1) > 0`, c.table, expr), needle).Scan(&n); err != nil {
				t.Fatalf("%s.%s: %v", c.table, c.column, err)
			}
			if n > 0 {
				where = append(where, fmt.Sprintf("%s.%s (%d rows)", c.table, c.column, n))
			}
		}
		return where
	}
	if where := found(people[0]); len(where) > 0 {
		t.Errorf("the erased person's id remains in %v", where)
	}
	if where := found(people[1]); len(where) < 6 {
		t.Errorf("the other person's id is in only %v: the scan looks in too few places", where)
	}
}
