package consent_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/sqlite"
)

func newService(t *testing.T, now *time.Time) *consent.Service {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Partners().CreatePartner(context.Background(), &sesame.Partner{ID: "acme", Name: "Acme", RedirectURIs: []string{"https://acme.example/cb"}, CreatedAt: *now}); err != nil {
		t.Fatal(err)
	}
	return &consent.Service{Store: db.Consents(), Partners: db.Partners(), Now: func() time.Time { return *now }}
}

func TestRequestsExpireUnanswered(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := newService(t, &now)
	ctx := context.Background()
	partner, _ := s.Partners.Partner(ctx, "acme")
	r, err := s.Request(ctx, partner, consent.RequestInput{Person: "p1", Purpose: sesame.PurposeLoan, Scope: sesame.ScopeScore, RedirectURI: "https://acme.example/cb", DurationDays: 10})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(consent.RequestTTL + time.Second)
	if ps, _ := s.Pending(ctx, "p1"); len(ps) != 0 {
		t.Fatalf("an expired request is still pending: %+v", ps)
	}
	if _, _, err := s.Answer(ctx, "p1", r.ID, true); sesame.ErrorCode(err) != sesame.ECONFLICT || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("answering an expired request: %v", err)
	}
	got, _ := s.RequestFor(ctx, "acme", r.ID)
	if got.Status != sesame.RequestExpired {
		t.Fatalf("the partner sees %s", got.Status)
	}
}

func TestApprovedConsentLastsTheRequestedDuration(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := newService(t, &now)
	ctx := context.Background()
	partner, _ := s.Partners.Partner(ctx, "acme")
	r, _ := s.Request(ctx, partner, consent.RequestInput{Purpose: sesame.PurposeRental, Scope: sesame.ScopeThreshold, RedirectURI: "https://acme.example/cb", DurationDays: 10, State: "x y", Thresholds: []int{650, 600, 650}})
	now = now.Add(time.Hour)
	r, to, err := s.Answer(ctx, "p7", r.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(to, "https://acme.example/cb?") || !strings.Contains(to, "state=x+y") {
		t.Fatalf("redirect %q", to)
	}
	c, err := s.Store.Consent(ctx, r.Consent)
	if err != nil {
		t.Fatal(err)
	}
	if c.Person != "p7" || !c.ExpiresAt.Equal(now.Add(10*24*time.Hour)) || c.Request != r.ID || fmt.Sprint(c.Thresholds) != "[600 650]" {
		t.Fatalf("consent %+v", c)
	}
	v, _ := s.Check(ctx, consent.Need{Person: "p7", Partner: "acme", Scope: sesame.ScopeThreshold, Threshold: 650})
	if !v.Allowed {
		t.Fatal("approved consent does not allow a threshold check")
	}
	if v, _ := s.Check(ctx, consent.Need{Person: "p7", Partner: "acme", Scope: sesame.ScopeThreshold, Threshold: 640}); v.Allowed || v.Reason != consent.ReasonThreshold {
		t.Fatalf("a threshold the request did not name: %+v", v)
	}
	now = now.Add(10 * 24 * time.Hour)
	if v, _ := s.Check(ctx, consent.Need{Person: "p7", Partner: "acme", Scope: sesame.ScopeThreshold}); v.Allowed || v.Reason != consent.ReasonExpired {
		t.Fatalf("after its duration: %+v", v)
	}
}

func TestGrantValidation(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := newService(t, &now)
	ctx := context.Background()
	for _, c := range []struct {
		partner    string
		purpose    sesame.Purpose
		scope      sesame.Scope
		expires    time.Time
		thresholds []int
	}{
		{"acme", "gambling", sesame.ScopeScore, now.Add(time.Hour), nil},
		{"acme", sesame.PurposeLoan, "all", now.Add(time.Hour), nil},
		{"acme", sesame.PurposeLoan, sesame.ScopeScore, now, nil},
		{"acme", sesame.PurposeLoan, sesame.ScopeScore, now.Add(3 * 366 * 24 * time.Hour), nil},
		{"nobody", sesame.PurposeLoan, sesame.ScopeScore, now.Add(time.Hour), nil},
		{"acme", sesame.PurposeLoan, sesame.ScopeThreshold, now.Add(time.Hour), nil},
		{"acme", sesame.PurposeLoan, sesame.ScopeThreshold, now.Add(time.Hour), []int{600, 610, 620, 630, 640}},
		{"acme", sesame.PurposeLoan, sesame.ScopeThreshold, now.Add(time.Hour), []int{951}},
		{"acme", sesame.PurposeLoan, sesame.ScopeScore, now.Add(time.Hour), []int{650}},
	} {
		if _, err := s.Grant(ctx, "p1", c.partner, c.purpose, c.scope, c.expires, c.thresholds); sesame.ErrorCode(err) != sesame.EINVALID {
			t.Errorf("grant %+v: %v", c, err)
		}
	}
}

// TestThresholdsStayABandApart: no consent, and no set of live consents
// from one person to one partner, lets the partner ask about thresholds
// closer than sesame.MinThresholdGap, so yes/no answers never narrow a
// score below a band's width.
func TestThresholdsStayABandApart(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := newService(t, &now)
	ctx := context.Background()
	partner, _ := s.Partners.Partner(ctx, "acme")
	req := func(ts ...int) (*sesame.ConsentRequest, error) {
		return s.Request(ctx, partner, consent.RequestInput{Purpose: sesame.PurposeRental, Scope: sesame.ScopeThreshold, RedirectURI: "https://acme.example/cb", Thresholds: ts})
	}
	for _, ts := range [][]int{{660, 670, 680, 690}, {600, 649}, {900, 950, 910}} {
		if _, err := req(ts...); sesame.ErrorCode(err) != sesame.EINVALID || !strings.Contains(err.Error(), "thresholds") {
			t.Errorf("a request for %v: %v, want invalid thresholds", ts, err)
		}
		if _, err := s.Grant(ctx, "p1", "acme", sesame.PurposeRental, sesame.ScopeThreshold, now.Add(time.Hour), ts); sesame.ErrorCode(err) != sesame.EINVALID {
			t.Errorf("a grant of %v: %v, want invalid", ts, err)
		}
	}
	if _, err := req(600, 650, 700, 750); err != nil {
		t.Fatalf("four thresholds a band apart: %v", err)
	}

	// One consent at a time: the second, 10 points from the first, is
	// refused when the person approves it, and no consent is made.
	first, _ := req(650)
	if _, _, err := s.Answer(ctx, "p1", first.ID, true); err != nil {
		t.Fatal(err)
	}
	second, _ := req(660)
	if _, _, err := s.Answer(ctx, "p1", second.ID, true); sesame.ErrorCode(err) != sesame.EINVALID || !strings.Contains(err.Error(), "650 and 660") {
		t.Fatalf("approving 660 beside a live 650: %v, want refused naming both", err)
	}
	if _, err := s.Grant(ctx, "p1", "acme", sesame.PurposeLoan, sesame.ScopeThreshold, now.Add(time.Hour), []int{640}); sesame.ErrorCode(err) != sesame.EINVALID {
		t.Fatalf("granting 640 beside a live 650 for another purpose: %v, want invalid", err)
	}
	if v, _ := s.Check(ctx, consent.Need{Person: "p1", Partner: "acme", Scope: sesame.ScopeThreshold, Threshold: 660}); v.Allowed {
		t.Fatal("a refused approval allows its threshold")
	}
	// Another person, or once the first consent is revoked, it may be given.
	if _, err := s.Grant(ctx, "p2", "acme", sesame.PurposeRental, sesame.ScopeThreshold, now.Add(time.Hour), []int{660}); err != nil {
		t.Fatalf("another person's 660: %v", err)
	}
	cs, _ := s.List(ctx, "p1", false)
	for _, c := range cs {
		s.Revoke(ctx, "p1", c.ID)
	}
	now = now.Add(time.Second)
	if _, err := s.Grant(ctx, "p1", "acme", sesame.PurposeRental, sesame.ScopeThreshold, now.Add(time.Hour), []int{660}); err != nil {
		t.Fatalf("660 once 650 is revoked: %v", err)
	}
}
