// Package consenttest is the contract of the trust stores — partners and
// their keys, sessions, consents and requests, the access log, decisions
// and policy versions — run against every implementation (sqlite,
// postgres) from that implementation's tests.
package consenttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
)

// Stores are the implementations under test, on one fresh database.
type Stores struct {
	Partners  sesame.PartnerStore
	Sessions  auth.SessionStore
	Consents  sesame.ConsentStore
	AccessLog sesame.AccessLog
	Decisions sesame.DecisionStore
}

// Run runs the whole contract; open returns stores on a fresh, empty database.
func Run(t *testing.T, open func(t *testing.T) Stores) {
	t.Run("Partners", func(t *testing.T) { testPartners(t, open(t)) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open(t)) })
	t.Run("Consents", func(t *testing.T) { testConsents(t, open(t)) })
	t.Run("ConsentRequests", func(t *testing.T) { testRequests(t, open(t)) })
	t.Run("AccessLog", func(t *testing.T) { testAccessLog(t, open(t)) })
	t.Run("Decisions", func(t *testing.T) { testDecisions(t, open(t)) })
	t.Run("Paging", func(t *testing.T) { testPaging(t, open(t)) })
}

var (
	ctx = context.Background()
	t0  = time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func code(t *testing.T, err error, want string) {
	t.Helper()
	if sesame.ErrorCode(err) != want {
		t.Fatalf("error %v: code %q, want %q", err, sesame.ErrorCode(err), want)
	}
}

func testPartners(t *testing.T, s Stores) {
	p := &sesame.Partner{ID: "acme", Name: "Acme", RedirectURIs: []string{"https://a.example/cb"}, RatePerSecond: 5, Burst: 10, CreatedAt: t0}
	must(t, s.Partners.CreatePartner(ctx, p))
	code(t, s.Partners.CreatePartner(ctx, p), sesame.ECONFLICT)
	got, err := s.Partners.Partner(ctx, "acme")
	must(t, err)
	if got.Name != "Acme" || len(got.RedirectURIs) != 1 || got.RatePerSecond != 5 || got.Burst != 10 || !got.CreatedAt.Equal(t0) {
		t.Fatalf("partner %+v", got)
	}
	_, err = s.Partners.Partner(ctx, "nobody")
	code(t, err, sesame.ENOTFOUND)
	got.Name = "Acme Bank"
	got.DisabledAt = t0.Add(time.Hour)
	must(t, s.Partners.UpdatePartner(ctx, got))
	got, _ = s.Partners.Partner(ctx, "acme")
	if got.Name != "Acme Bank" || !got.DisabledAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("updated %+v", got)
	}
	code(t, s.Partners.UpdatePartner(ctx, &sesame.Partner{ID: "nobody"}), sesame.ENOTFOUND)
	for i, id := range []string{"k1", "k2", "k3"} {
		must(t, s.Partners.AddPartnerKey(ctx, &sesame.PartnerKey{ID: id, Partner: "acme", Hash: []byte{byte(i), 1, 2}, CreatedAt: t0.Add(time.Duration(i) * time.Second)}))
	}
	k, err := s.Partners.PartnerKey(ctx, "k2")
	must(t, err)
	if !bytes.Equal(k.Hash, []byte{1, 1, 2}) || !k.Live(t0) {
		t.Fatalf("key %+v", k)
	}
	_, err = s.Partners.PartnerKey(ctx, "k9")
	code(t, err, sesame.ENOTFOUND)
	// Rotation: all but k3 expire in an hour.
	must(t, s.Partners.ExpirePartnerKeys(ctx, "acme", "k3", t0.Add(time.Hour), false))
	ks, err := s.Partners.PartnerKeys(ctx, "acme")
	must(t, err)
	if len(ks) != 3 || ks[0].ID != "k1" {
		t.Fatalf("keys %+v", ks)
	}
	for _, k := range ks {
		if live := k.Live(t0.Add(2 * time.Hour)); live != (k.ID == "k3") {
			t.Errorf("key %s live=%v after the grace period", k.ID, live)
		}
	}
	must(t, s.Partners.RevokePartnerKey(ctx, "k3", t0))
	k, _ = s.Partners.PartnerKey(ctx, "k3")
	if k.Live(t0.Add(time.Second)) {
		t.Fatal("revoked key live")
	}
	code(t, s.Partners.RevokePartnerKey(ctx, "k9", t0), sesame.ENOTFOUND)
	ps, err := s.Partners.Partners(ctx)
	must(t, err)
	if len(ps) != 1 {
		t.Fatalf("partners %+v", ps)
	}
}

func testSessions(t *testing.T, s Stores) {
	h := auth.Hash("ssl_x")
	must(t, s.Sessions.CreateLoginLink(ctx, h, "p1", t0, t0.Add(time.Minute)))
	_, err := s.Sessions.UseLoginLink(ctx, h, t0.Add(2*time.Minute))
	code(t, err, sesame.ENOTFOUND) // expired
	// Used once only, even when raced.
	h2 := auth.Hash("ssl_y")
	must(t, s.Sessions.CreateLoginLink(ctx, h2, "p1", t0, t0.Add(time.Minute)))
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if p, err := s.Sessions.UseLoginLink(ctx, h2, t0); err == nil && p == "p1" {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("a login link was used %d times", wins)
	}
	sh := auth.Hash("sss_z")
	must(t, s.Sessions.CreateSession(ctx, &auth.Session{Hash: sh, Person: "p1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), Demo: true}))
	got, err := s.Sessions.Session(ctx, sh)
	must(t, err)
	if got.Person != "p1" || !got.Demo || !got.ExpiresAt.Equal(t0.Add(time.Hour)) || !got.RevokedAt.IsZero() {
		t.Fatalf("session %+v", got)
	}
	_, err = s.Sessions.Session(ctx, auth.Hash("other"))
	code(t, err, sesame.ENOTFOUND)
	must(t, s.Sessions.RevokeSession(ctx, sh, t0.Add(time.Minute)))
	got, _ = s.Sessions.Session(ctx, sh)
	if got.RevokedAt.IsZero() {
		t.Fatal("session not revoked")
	}
	sh2 := auth.Hash("sss_w")
	must(t, s.Sessions.CreateSession(ctx, &auth.Session{Hash: sh2, Person: "p2", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.Sessions.RevokeSessions(ctx, "p2", t0))
	got, _ = s.Sessions.Session(ctx, sh2)
	if got.RevokedAt.IsZero() {
		t.Fatal("log out everywhere did not revoke")
	}
}

func consent(id, person, partner string) *sesame.Consent {
	return &sesame.Consent{ID: id, Person: person, Partner: partner, Purpose: sesame.PurposeLoan, Scope: sesame.ScopeScore, GrantedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
}

func testConsents(t *testing.T, s Stores) {
	must(t, s.Consents.CreateConsent(ctx, consent("c1", "p1", "acme")))
	c2 := consent("c2", "p1", "other")
	c2.GrantedAt = t0.Add(time.Minute)
	must(t, s.Consents.CreateConsent(ctx, c2))
	must(t, s.Consents.CreateConsent(ctx, consent("c3", "p2", "acme")))
	got, err := s.Consents.Consent(ctx, "c1")
	must(t, err)
	if got.Person != "p1" || got.Scope != sesame.ScopeScore || got.Purpose != sesame.PurposeLoan || !got.GrantedAt.Equal(t0) || !got.Live(t0.Add(time.Hour)) {
		t.Fatalf("consent %+v", got)
	}
	_, err = s.Consents.Consent(ctx, "c9")
	code(t, err, sesame.ENOTFOUND)
	cs, err := s.Consents.Consents(ctx, "p1")
	must(t, err)
	if len(cs) != 2 || cs[0].ID != "c2" {
		t.Fatalf("p1's consents, newest first: %+v", cs)
	}
	cs, _ = s.Consents.ConsentsBetween(ctx, "p1", "acme")
	if len(cs) != 1 || cs[0].ID != "c1" {
		t.Fatalf("between: %+v", cs)
	}
	code(t, s.Consents.RevokeConsent(ctx, "p2", "c1", t0), sesame.ENOTFOUND) // not p2's
	must(t, s.Consents.RevokeConsent(ctx, "p1", "c1", t0.Add(time.Hour)))
	got, _ = s.Consents.Consent(ctx, "c1")
	if !got.RevokedAt.Equal(t0.Add(time.Hour)) || got.Live(t0.Add(2*time.Hour)) {
		t.Fatalf("revoked %+v", got)
	}
}

func testRequests(t *testing.T, s Stores) {
	r := &sesame.ConsentRequest{ID: "r1", Partner: "acme", Person: "p1", Purpose: sesame.PurposeRental, Scope: sesame.ScopeThreshold, Duration: 48 * time.Hour,
		RedirectURI: "https://a.example/cb", State: "st", Status: sesame.RequestPending, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), Thresholds: []int{600, 650}}
	must(t, s.Consents.CreateConsentRequest(ctx, r))
	got, err := s.Consents.ConsentRequest(ctx, "r1")
	must(t, err)
	if got.Duration != 48*time.Hour || got.State != "st" || got.Status != sesame.RequestPending || got.RedirectURI != r.RedirectURI || !slices.Equal(got.Thresholds, r.Thresholds) {
		t.Fatalf("request %+v", got)
	}
	_, err = s.Consents.ConsentRequest(ctx, "r9")
	code(t, err, sesame.ENOTFOUND)
	ps, err := s.Consents.PendingConsentRequests(ctx, "p1")
	must(t, err)
	if len(ps) != 1 {
		t.Fatalf("pending %+v", ps)
	}
	// Another person cannot answer a request addressed to p1.
	code(t, s.Consents.AnswerConsentRequest(ctx, "r1", "p2", sesame.RequestApproved, t0, nil), sesame.ECONFLICT)
	grant := consent("c-r1", "p1", "acme")
	grant.Request, grant.Scope, grant.Thresholds = "r1", sesame.ScopeThreshold, []int{600, 650}
	must(t, s.Consents.AnswerConsentRequest(ctx, "r1", "p1", sesame.RequestApproved, t0.Add(time.Minute), grant))
	code(t, s.Consents.AnswerConsentRequest(ctx, "r1", "p1", sesame.RequestDeclined, t0, nil), sesame.ECONFLICT)
	got, _ = s.Consents.ConsentRequest(ctx, "r1")
	if got.Status != sesame.RequestApproved || got.Consent != "c-r1" || got.AnsweredBy != "p1" {
		t.Fatalf("answered %+v", got)
	}
	c, err := s.Consents.Consent(ctx, "c-r1")
	must(t, err)
	if c.Request != "r1" || !slices.Equal(c.Thresholds, []int{600, 650}) {
		t.Fatalf("granted consent %+v", c)
	}
	if ps, _ := s.Consents.PendingConsentRequests(ctx, "p1"); len(ps) != 0 {
		t.Fatal("answered request still pending")
	}
	// Every request the person was sent stays listed, answered or not.
	r2 := *r
	r2.ID, r2.CreatedAt = "r2", t0.Add(time.Hour)
	must(t, s.Consents.CreateConsentRequest(ctx, &r2))
	all, err := s.Consents.ConsentRequests(ctx, "p1")
	must(t, err)
	if len(all) != 2 || all[0].ID != "r2" || all[0].Status != sesame.RequestPending || all[1].ID != "r1" || all[1].Status != sesame.RequestApproved {
		t.Fatalf("all of p1's requests, newest first: %+v", all)
	}
	if others, _ := s.Consents.ConsentRequests(ctx, "p2"); len(others) != 0 {
		t.Fatalf("p2 is listed p1's requests: %+v", others)
	}
}

func testAccessLog(t *testing.T, s Stores) {
	for i := range 6 {
		e := &sesame.AccessEntry{At: t0.Add(time.Duration(i) * time.Second), Person: fmt.Sprintf("p%d", i%2), Actor: "partner:acme", Action: "score.read",
			Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan, Consent: "c1", Outcome: sesame.AccessAllowed, Reason: "score"}
		must(t, s.AccessLog.AppendAccess(ctx, e))
		if e.Seq != int64(i+1) || len(e.Hash) != 64 {
			t.Fatalf("appended %+v", e)
		}
	}
	es, err := s.AccessLog.AccessEntries(ctx, "p1", 2)
	must(t, err)
	if len(es) != 2 || es[0].Seq != 6 || es[1].Seq != 4 || !es[0].At.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("p1's entries %+v", es)
	}
	r, err := audit.Verify(ctx, s.AccessLog, audit.Options{})
	must(t, err)
	if !r.OK || r.Entries != 6 {
		t.Fatalf("chain %+v", r)
	}
}

func testDecisions(t *testing.T, s Stores) {
	p := &sesame.Product{ID: "loan", Name: "Loan", Purpose: sesame.PurposeLoan, Policy: `{"decision": "approve"}`, PolicyVersion: "v1"}
	must(t, s.Decisions.SavePolicy(ctx, p))
	must(t, s.Decisions.SavePolicy(ctx, p)) // idempotent
	got, err := s.Decisions.PolicyVersion(ctx, "v1")
	must(t, err)
	if got.Policy != p.Policy || got.ID != "loan" || got.Purpose != sesame.PurposeLoan {
		t.Fatalf("policy %+v", got)
	}
	_, err = s.Decisions.PolicyVersion(ctx, "v9")
	code(t, err, sesame.ENOTFOUND)
	code(t, s.Decisions.ActivateProduct(ctx, "loan", "v9"), sesame.ENOTFOUND)
	must(t, s.Decisions.ActivateProduct(ctx, "loan", "v1"))
	ap, err := s.Decisions.ActiveProducts(ctx)
	must(t, err)
	if len(ap) != 1 || ap[0].PolicyVersion != "v1" {
		t.Fatalf("active %+v", ap)
	}
	res := sesame.DecisionResult{Decision: sesame.Approve, Amount: 5000, Rate: 0.099, PriceTier: "B"}
	raw, _ := json.Marshal(res)
	d := &sesame.Decision{ID: "d1", Partner: "acme", Person: "p1", Product: "loan", PolicyVersion: "v1", ModelVersion: "m1", Consent: "c1",
		Input:  sesame.DecisionInput{Status: sesame.StatusScored, Score: 655, Band: sesame.VeryGood, Features: map[string]float64{"income_monthly": 9000}, AsOf: t0, Requested: 5000},
		Result: res, Raw: raw, CreatedAt: t0}
	must(t, s.Decisions.SaveDecision(ctx, d))
	back, err := s.Decisions.Decision(ctx, "d1")
	must(t, err)
	if string(back.Raw) != string(raw) || back.Input.Score != 655 || back.Input.Features["income_monthly"] != 9000 || !back.Input.AsOf.Equal(t0) || back.Result.Rate != 0.099 {
		t.Fatalf("decision %+v", back)
	}
	_, err = s.Decisions.Decision(ctx, "d9")
	code(t, err, sesame.ENOTFOUND)
	d2 := *d
	d2.ID, d2.CreatedAt = "d2", t0.Add(time.Minute)
	must(t, s.Decisions.SaveDecision(ctx, &d2))
	about, err := s.Decisions.DecisionsAbout(ctx, "p1", 10)
	must(t, err)
	if len(about) != 2 || about[0].ID != "d2" {
		t.Fatalf("decisions about p1, newest first: %+v", about)
	}
	if about, _ := s.Decisions.DecisionsAbout(ctx, "p2", 10); len(about) != 0 {
		t.Fatalf("decisions about p2: %+v", about)
	}
}
