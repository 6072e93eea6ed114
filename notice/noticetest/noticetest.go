// Package noticetest holds every NoticeFeed to one contract: notices of
// partners' looks, score changes and expiring consents are written once
// each, history raises none, and a second run writes nothing new.
package noticetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/notice"
)

// Env is a fresh database's feed, outbox and access log, with Exec to
// write rows the way other services would.
type Env struct {
	Feed   sesame.NoticeFeed
	Outbox sesame.Outbox
	Access sesame.AccessLog
	Exec   func(t *testing.T, sql string)
}

// Run runs the contract against the store open returns.
func Run(t *testing.T, open func(t *testing.T) Env) {
	t.Run("Derive", func(t *testing.T) { testDerive(t, open(t)) })
	t.Run("Mail", func(t *testing.T) { testMail(t, open(t)) })
}

// testMail: only notices made since a recipient's address was set are
// due, until mailed; a removed address makes none due.
func testMail(t *testing.T, env Env) {
	ctx := context.Background()
	mail, ok := env.Outbox.(sesame.MailStore)
	if !ok {
		t.Fatal("the outbox keeps no mail addresses")
	}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	note := func(id, person string, at time.Time) sesame.Notice {
		return sesame.Notice{ID: id, Recipient: sesame.PersonRecipient(person), Topic: sesame.TopicScoreChanged, Body: []byte(`{}`), CreatedAt: at}
	}
	if err := env.Feed.EnqueueNotices(ctx, "", 0, []sesame.Notice{note("n_before", "p1", t0)}); err != nil {
		t.Fatal(err)
	}
	if err := mail.SetMailAddress(ctx, sesame.PersonRecipient("p1"), "p1@example.org", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if a, err := mail.MailAddress(ctx, sesame.PersonRecipient("p1")); err != nil || a != "p1@example.org" {
		t.Fatalf("p1's address %q %v", a, err)
	}
	if a, err := mail.MailAddress(ctx, sesame.PersonRecipient("p2")); err != nil || a != "" {
		t.Fatalf("p2, who set none: %q %v", a, err)
	}
	if err := env.Feed.EnqueueNotices(ctx, "", 0, []sesame.Notice{note("n_after", "p1", t0.Add(2*time.Minute)), note("n_other", "p2", t0.Add(2*time.Minute))}); err != nil {
		t.Fatal(err)
	}
	due, err := mail.MailDue(ctx, 10)
	if err != nil || len(due) != 1 || due[0].Notice.ID != "n_after" || due[0].Address != "p1@example.org" {
		t.Fatalf("due: %+v %v, want n_after to p1@example.org", due, err)
	}
	if err := mail.Mailed(ctx, "n_after", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if due, _ := mail.MailDue(ctx, 10); len(due) != 0 {
		t.Fatalf("due after mailing: %+v", due)
	}
	if err := env.Feed.EnqueueNotices(ctx, "", 0, []sesame.Notice{note("n_later", "p1", t0.Add(4*time.Minute))}); err != nil {
		t.Fatal(err)
	}
	if err := mail.SetMailAddress(ctx, sesame.PersonRecipient("p1"), "", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if due, _ := mail.MailDue(ctx, 10); len(due) != 0 {
		t.Fatalf("due with no address: %+v", due)
	}
	if a, err := mail.MailAddress(ctx, sesame.PersonRecipient("p1")); err != nil || a != "" {
		t.Fatalf("p1's address after removing it: %q %v", a, err)
	}
}

func testDerive(t *testing.T, env Env) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	read := func(person, actor string) {
		t.Helper()
		if err := env.Access.AppendAccess(ctx, &sesame.AccessEntry{At: now, Person: person, Actor: actor, Action: "score.read",
			Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan, Outcome: sesame.AccessAllowed}); err != nil {
			t.Fatal(err)
		}
	}
	score := func(person, status string, points int) {
		env.Exec(t, fmt.Sprintf(`INSERT INTO scores (person, status, score, band, model_version, as_of, computed_at) VALUES ('%s', '%s', %d, 'good', 'm1', 0, 0)`, person, status, points))
	}
	// History from before the notifier's first run raises nothing.
	read("p1", "partner:acme")
	score("p1", "scored", 500)
	n := &notice.Notifier{Feed: env.Feed, Now: func() time.Time { return now }}
	if c, err := n.NotifyDue(ctx); err != nil || c != 0 {
		t.Fatalf("first run over history: %d notices, %v", c, err)
	}

	read("p1", "partner:acme")  // told
	read("p1", "operator:root") // an operator's read is in the log, not a notice
	read("p2", "partner:shop")  // told, to p2
	score("p1", "scored", 560)  // +60: told
	score("p2", "scored", 600)  // first score: nothing to compare
	score("p2", "scored", 610)  // +10: below 20
	score("p1", "insufficient", 0)
	score("p1", "scored", 530) // −30 against 560: told
	ns := func(expires time.Time) int64 { return expires.UnixNano() }
	env.Exec(t, fmt.Sprintf(`INSERT INTO consents (id, person, partner, purpose, scope, granted_at, expires_at, revoked_at, request)
		VALUES ('con_soon', 'p1', 'acme', 'loan', 'score', 0, %d, NULL, ''),
		       ('con_later', 'p1', 'acme', 'loan', 'score', 0, %d, NULL, ''),
		       ('con_revoked', 'p2', 'acme', 'loan', 'score', 0, %d, 1, '')`,
		ns(now.Add(3*24*time.Hour)), ns(now.Add(10*24*time.Hour)), ns(now.Add(2*24*time.Hour))))

	for run := range 2 {
		if _, err := n.NotifyDue(ctx); err != nil {
			t.Fatal(err)
		}
		topics := func(recipient string) map[string]int {
			got, err := env.Outbox.Notices(ctx, recipient, 100)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]int{}
			for _, x := range got {
				m[x.Topic]++
			}
			return m
		}
		p1, p2, acme := topics(sesame.PersonRecipient("p1")), topics(sesame.PersonRecipient("p2")), topics(sesame.PartnerRecipient("acme"))
		if p1[sesame.TopicAccess] != 1 || p1[sesame.TopicScoreChanged] != 2 || p1[sesame.TopicConsentExpiring] != 1 || len(p1) != 3 {
			t.Errorf("run %d: p1's inbox %v, want 1 access, 2 score changes, 1 consent expiring", run+1, p1)
		}
		if p2[sesame.TopicAccess] != 1 || len(p2) != 1 {
			t.Errorf("run %d: p2's inbox %v, want 1 access", run+1, p2)
		}
		if acme[sesame.TopicConsentExpiring] != 1 || len(acme) != 1 {
			t.Errorf("run %d: acme's notices %v, want 1 consent expiring", run+1, acme)
		}
	}
}
