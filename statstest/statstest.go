// Package statstest is the contract of sesame.StatsReader, run against every
// store (sqlite, postgres) from that store's tests.
package statstest

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
)

// Stores are the implementations under test, on one fresh database.
type Stores struct {
	Stats       sesame.StatsReader
	Scores      sesame.ScoreStore
	Consents    sesame.ConsentStore
	Decisions   sesame.DecisionStore
	Credentials credential.Store
}

var (
	ctx = context.Background()
	t0  = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
)

// Run checks that Stats counts what the other stores hold: people by the
// band of their latest score only, live consents at the time asked,
// credentials issued and revoked, decisions by product and outcome.
func Run(t *testing.T, open func(t *testing.T) Stores) {
	s := open(t)
	empty, err := s.Stats.Stats(ctx, t0)
	must(t, err)
	if len(empty.PeopleByBand) != 0 || empty.LiveConsents != 0 || empty.CredentialsIssued != 0 || len(empty.Decisions) != 0 {
		t.Fatalf("stats of an empty database: %+v", empty)
	}

	// p1 moves from poor to good: only the latest counts.
	must(t, s.Scores.SaveScores(ctx, []*sesame.Score{scored("p1", 500), scored("p2", 720), scored("p3", 710)}))
	must(t, s.Scores.SaveScores(ctx, []*sesame.Score{scored("p1", 610),
		{Person: "p4", Status: sesame.StatusInsufficientHistory, ModelVersion: "m1", AsOf: t0}}))

	for i, c := range []struct {
		expires, revoked time.Time
	}{
		{t0.AddDate(1, 0, 0), time.Time{}},        // live
		{t0.AddDate(1, 0, 0), time.Time{}},        // live
		{t0.AddDate(1, 0, 0), t0.Add(-time.Hour)}, // revoked
		{t0.Add(-time.Minute), time.Time{}},       // expired
	} {
		id := fmt.Sprintf("c%d", i)
		must(t, s.Consents.CreateConsent(ctx, &sesame.Consent{ID: id, Person: "p1", Partner: "acme", Purpose: sesame.PurposeLoan,
			Scope: sesame.ScopeScore, GrantedAt: t0.AddDate(0, -1, 0), ExpiresAt: c.expires}))
		if !c.revoked.IsZero() {
			must(t, s.Consents.RevokeConsent(ctx, "p1", id, c.revoked))
		}
	}

	must(t, s.Credentials.SaveKey(ctx, credential.StoredKey{KID: "k1", Created: t0, Public: make(ed25519.PublicKey, ed25519.PublicKeySize), Sealed: []byte("sealed")}))
	for _, id := range []string{"cr1", "cr2", "cr3"} {
		must(t, s.Credentials.SaveCredential(ctx, credential.Record{ID: id, Person: "p2", Kind: "band_at_least", Band: sesame.VeryGood,
			AsOf: "2026-11-25", KID: "k1", IssuedAt: t0, ExpiresAt: t0.AddDate(0, 3, 0), Token: "token-" + id}))
	}
	must(t, s.Credentials.RevokeCredential(ctx, "p2", "cr2", t0))

	for _, p := range []string{"card", "loan"} {
		must(t, s.Decisions.SavePolicy(ctx, &sesame.Product{ID: p, Name: p, Purpose: sesame.PurposeLoan, Policy: `{"decision":"approve"}`, PolicyVersion: "v-" + p}))
	}
	for i, d := range []struct{ product, outcome string }{{"loan", "approve"}, {"loan", "approve"}, {"loan", "decline"}, {"card", "refer"}} {
		res := sesame.DecisionResult{Decision: d.outcome}
		raw, _ := json.Marshal(res)
		must(t, s.Decisions.SaveDecision(ctx, &sesame.Decision{ID: fmt.Sprintf("d%d", i), Partner: "acme", Person: "p1", Product: d.product,
			PolicyVersion: "v-" + d.product, ModelVersion: "m1", Consent: "c0", Input: sesame.DecisionInput{Status: sesame.StatusScored, AsOf: t0},
			Result: res, Raw: raw, CreatedAt: t0}))
	}

	got, err := s.Stats.Stats(ctx, t0)
	must(t, err)
	want := sesame.Stats{
		PeopleByBand:       map[sesame.Band]int64{sesame.Good: 1, sesame.Excellent: 2, sesame.NoBand: 1},
		LiveConsents:       2,
		CredentialsIssued:  3,
		CredentialsRevoked: 1,
		Decisions:          []sesame.DecisionCount{{Product: "card", Outcome: "refer", N: 1}, {Product: "loan", Outcome: "approve", N: 2}, {Product: "loan", Outcome: "decline", N: 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stats:\n got %+v\nwant %+v", got, want)
	}
	// A year on, every consent has expired.
	later, err := s.Stats.Stats(ctx, t0.AddDate(2, 0, 0))
	must(t, err)
	if later.LiveConsents != 0 {
		t.Errorf("live consents two years on: %d, want 0", later.LiveConsents)
	}
}

func scored(person string, score int) *sesame.Score {
	return &sesame.Score{Person: person, Status: sesame.StatusScored, Score: score, Band: sesame.BandOf(score), ModelVersion: "m1", AsOf: t0}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
