// Package portaltest holds in-memory implementations of the portal's
// dependencies, with a small believable person, for the portal's tests,
// browser tests and screenshots. They are fakes: nothing here is used by
// the server.
package portaltest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/portal"
)

// Now is the fixed "today" of the fixtures.
var Now = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

func token() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Auth is a demo login: any known person gets a login token at once.
type Auth struct {
	mu       sync.Mutex
	People   map[string]bool
	logins   map[string]string // login token → person
	sessions map[string]string // session token → person
}

func NewAuth(people ...string) *Auth {
	a := &Auth{People: map[string]bool{}, logins: map[string]string{}, sessions: map[string]string{}}
	for _, p := range people {
		a.People[p] = true
	}
	return a
}

func (a *Auth) Authenticate(_ context.Context, s string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.sessions[s]; ok {
		return p, nil
	}
	return "", sesame.Errorf(sesame.EUNAUTHORIZED, "no such session")
}

func (a *Auth) RequestLoginLink(_ context.Context, who string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.People[who] {
		return "", sesame.Errorf(sesame.ENOTFOUND, "no person %q in this demo", who)
	}
	t := token()
	a.logins[t] = who
	return t, nil
}

func (a *Auth) RedeemLoginLink(_ context.Context, t string) (string, time.Time, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.logins[t]
	if !ok {
		return "", time.Time{}, sesame.Errorf(sesame.EUNAUTHORIZED, "invalid login link")
	}
	delete(a.logins, t)
	s := token()
	a.sessions[s] = p
	return s, time.Now().Add(time.Hour), nil
}

// Session creates a session directly (tests that skip the login page).
func (a *Auth) Session(person string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := token()
	a.sessions[s] = person
	return s
}

func (a *Auth) Logout(_ context.Context, s string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, s)
	return nil
}

// Scores serves one fixed score per person. What-if adds Slope points per
// unit that a feature moves towards 0 (a stand-in for the model).
type Scores struct {
	ByPerson map[string]*sesame.Score
	Past     map[string][]sesame.ScorePoint
}

// Alice is the fixture person: very good, a year of history, two tips.
func Alice() *sesame.Score {
	return &sesame.Score{Person: "alice", Status: sesame.StatusScored, Score: 672, Band: sesame.VeryGood,
		Dimensions: []sesame.DimensionScore{
			{Dimension: sesame.CreditHistory, Score: 705, Points: 120}, {Dimension: sesame.Fulfilment, Score: 618, Points: 60},
			{Dimension: sesame.Behaviour, Score: 690, Points: 80}, {Dimension: sesame.Identity, Score: 760, Points: 40},
			{Dimension: sesame.Connections, Score: 640, Points: 10}},
		Reasons: []sesame.Reason{
			{Feature: "revolving_utilisation", Dimension: sesame.Fulfilment, Text: "Card balances are high compared with your limits", PointsLost: 31},
			{Feature: "months_since_late", Dimension: sesame.CreditHistory, Text: "A payment was late 5 months ago", PointsLost: 18},
			{Feature: "bills_on_time_share", Dimension: sesame.Behaviour, Text: "Some utility bills were paid after their due date", PointsLost: 9},
		},
		Tips: []sesame.Tip{
			{Feature: "revolving_utilisation", Action: "Pay your card balances down to 30% of your limits", Gain: 24, Target: 0.3},
			{Feature: "bills_on_time_share", Action: "Pay every bill on time for the next 6 months", Gain: 7, Target: 1},
		},
		ModelVersion: "3f2a9c1d7b20", AsOf: Now.Add(-30 * time.Minute)}
}

func NewScores() *Scores {
	s := &Scores{ByPerson: map[string]*sesame.Score{"alice": Alice()}, Past: map[string][]sesame.ScorePoint{}}
	scores := []int{598, 604, 611, 609, 622, 631, 640, 637, 648, 655, 661, 672}
	for i, v := range scores { // newest first, as the store returns
		at := Now.AddDate(0, -(len(scores) - 1 - i), 0)
		s.Past["alice"] = append([]sesame.ScorePoint{{Seq: int64(i + 1), Status: sesame.StatusScored, Score: v, Band: sesame.BandOf(v), ModelVersion: "3f2a9c1d7b20", AsOf: at}}, s.Past["alice"]...)
	}
	return s
}

func (s *Scores) LatestScore(_ context.Context, person string) (*sesame.Score, error) {
	if sc, ok := s.ByPerson[person]; ok {
		c := *sc
		return &c, nil
	}
	return nil, sesame.Errorf(sesame.ENOTFOUND, "no score for %q", person)
}

func (s *Scores) History(_ context.Context, person string, limit int) ([]sesame.ScorePoint, error) {
	h := s.Past[person]
	if len(h) > limit {
		h = h[:limit]
	}
	return h, nil
}

func (s *Scores) HistoryBefore(_ context.Context, person string, before int64, limit int) ([]sesame.ScorePoint, error) {
	var h []sesame.ScorePoint
	for _, p := range s.Past[person] {
		if before <= 0 || p.Seq < before {
			h = append(h, p)
		}
	}
	return h[:min(limit, len(h))], nil
}

func (s *Scores) WhatIf(ctx context.Context, person string, changes map[string]float64) (*sesame.Score, *sesame.Score, error) {
	now, err := s.LatestScore(ctx, person)
	if err != nil {
		return nil, nil, err
	}
	then := *now
	then.Dimensions = append([]sesame.DimensionScore(nil), now.Dimensions...)
	for f, v := range changes {
		known := false
		for _, t := range now.Tips {
			if t.Feature == f {
				known = true
				// linear between today's value (gain 0) and the tip's target (full gain)
				gain := int(float64(t.Gain) * (1 - v) / (1 - t.Target + 1e-9))
				if f == "bills_on_time_share" {
					gain = int(float64(t.Gain) * v)
				}
				gain = max(0, min(gain, 60))
				then.Score = sesame.ClampScore(then.Score + gain)
				for i := range then.Dimensions {
					if then.Dimensions[i].Dimension == sesame.Fulfilment {
						then.Dimensions[i].Score = sesame.ClampScore(then.Dimensions[i].Score + 3*gain)
					}
				}
			}
		}
		if !known {
			return nil, nil, sesame.Errorf(sesame.EINVALID, "what-if: %q is not a profile feature", f)
		}
	}
	then.Band = sesame.BandOf(then.Score)
	return now, &then, nil
}

// Events is an in-memory ledger (no paging beyond one page).
type Events struct{ List []sesame.Event }

func NewEvents() *Events {
	e := &Events{}
	add := func(id string, kind sesame.Kind, daysAgo int, p sesame.Payload) {
		e.List = append(e.List, sesame.Event{Version: 1, Source: "bank-cn", ID: id, Person: "alice", Kind: kind,
			OccurredAt: Now.AddDate(0, 0, -daysAgo), RecordedAt: Now.AddDate(0, 0, -daysAgo), Payload: p})
	}
	add("b-101", sesame.KindBillPaid, 40, &sesame.BillPaid{Bill: "elec-10", Amount: sesame.Money{Amount: 23000, Currency: "CNY"}})
	add("b-102", sesame.KindBillPaid, 10, &sesame.BillPaid{Bill: "elec-11", Amount: sesame.Money{Amount: 21000, Currency: "CNY"}})
	add("p-77", sesame.KindPaymentMade, 3, &sesame.PaymentMade{Amount: sesame.Money{Amount: 5600, Currency: "CNY"}, MerchantCategory: "groceries", Channel: "app"})
	return e
}

func (e *Events) Events(_ context.Context, f sesame.EventFilter) (sesame.EventPage, error) {
	var out []sesame.Event
	for _, ev := range e.List {
		if ev.Person != f.Person {
			continue
		}
		if len(f.Kinds) > 0 && ev.Kind != f.Kinds[0] {
			continue
		}
		if (!f.From.IsZero() && ev.OccurredAt.Before(f.From)) || (!f.To.IsZero() && !ev.OccurredAt.Before(f.To)) {
			continue
		}
		out = append(out, ev)
	}
	return sesame.EventPage{Events: out}, nil
}

// Disputes keeps disputes in memory.
type Disputes struct {
	mu     sync.Mutex
	Events *Events
	m      map[sesame.EventKey]time.Time
}

func (d *Disputes) DisputeEvent(_ context.Context, person string, key sesame.EventKey, _ string, at time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range d.Events.List {
		if e.Key() == key && e.Person == person {
			if d.m == nil {
				d.m = map[sesame.EventKey]time.Time{}
			}
			if _, ok := d.m[key]; !ok {
				d.m[key] = at
			}
			return nil
		}
	}
	return sesame.Errorf(sesame.ENOTFOUND, "you have no event %s/%s", key.Source, key.ID)
}

func (d *Disputes) DisputedEvents(context.Context, string) (map[sesame.EventKey]time.Time, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[sesame.EventKey]time.Time{}
	for k, v := range d.m {
		out[k] = v
	}
	return out, nil
}

// Consents holds a few consents and requests per person.
type Consents struct {
	mu      sync.Mutex
	Active  map[string][]portal.Consent
	Revoked map[string][]portal.Consent
	Pending map[string][]portal.ConsentRequest
}

func NewConsents() *Consents {
	return &Consents{
		Active: map[string][]portal.Consent{"alice": {
			{ID: "cons-1", Partner: "homerent", PartnerName: "HomeRent Shanghai", Purpose: "rental", Scope: "threshold", GrantedAt: Now.AddDate(0, -2, 0), ExpiresAt: Now.AddDate(0, 10, 0)},
			{ID: "cons-2", Partner: "citybank", PartnerName: "City Bank", Purpose: "credit_card", Scope: "score", GrantedAt: Now.AddDate(0, -1, 0), ExpiresAt: Now.AddDate(1, 0, 0)},
		}},
		Pending: map[string][]portal.ConsentRequest{"alice": {
			{ID: "req-9", Partner: "bikego", PartnerName: "BikeGo", Purpose: "bike_sharing", Scope: "threshold", RequestedAt: Now.Add(-2 * time.Hour), ExpiresAt: Now.AddDate(0, 6, 0), Status: "pending"},
		}},
	}
}

func (c *Consents) ActiveConsents(_ context.Context, p string) ([]portal.Consent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]portal.Consent(nil), c.Active[p]...), nil
}

func (c *Consents) AllConsents(_ context.Context, p string) ([]portal.Consent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append(append([]portal.Consent(nil), c.Active[p]...), c.Revoked[p]...), nil
}

func (c *Consents) AllRequests(ctx context.Context, p string) ([]portal.ConsentRequest, error) {
	return c.PendingRequests(ctx, p)
}

func (c *Consents) PendingRequests(_ context.Context, p string) ([]portal.ConsentRequest, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]portal.ConsentRequest(nil), c.Pending[p]...), nil
}

func (c *Consents) RevokeConsent(_ context.Context, p, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.Active[p] {
		if x.ID == id {
			c.Active[p] = append(c.Active[p][:i:i], c.Active[p][i+1:]...)
			x.RevokedAt = Now
			if c.Revoked == nil {
				c.Revoked = map[string][]portal.Consent{}
			}
			c.Revoked[p] = append(c.Revoked[p], x)
			return nil
		}
	}
	return sesame.Errorf(sesame.ENOTFOUND, "you have no consent %q", id)
}

func (c *Consents) Request(_ context.Context, p, id string) (portal.ConsentRequest, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.Pending[p] {
		if x.ID == id {
			return x, nil
		}
	}
	return portal.ConsentRequest{}, sesame.Errorf(sesame.ENOTFOUND, "no consent request %q for you", id)
}

// AnswerRequest moves a pending request to the consents (approve) or drops
// it; the partner's redirect is a fixed example URL.
func (c *Consents) AnswerRequest(_ context.Context, p, id string, approve bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.Pending[p] {
		if x.ID == id {
			c.Pending[p] = append(c.Pending[p][:i:i], c.Pending[p][i+1:]...)
			if approve {
				c.Active[p] = append(c.Active[p], portal.Consent{ID: "cons-" + id, Partner: x.Partner, PartnerName: x.PartnerName,
					Purpose: x.Purpose, Scope: x.Scope, GrantedAt: Now, ExpiresAt: x.ExpiresAt})
			}
			return "https://" + x.Partner + ".example/sesame/callback?request=" + id, nil
		}
	}
	return "", sesame.Errorf(sesame.ENOTFOUND, "you have no request %q", id)
}

// AccessLog is a fixed log with an intact chain.
type AccessLog struct{ Broken bool }

func (a AccessLog) AccessLog(_ context.Context, p string, before int64, limit int) ([]portal.AccessEntry, error) {
	if p != "alice" {
		return nil, nil
	}
	var out []portal.AccessEntry
	for _, e := range []portal.AccessEntry{
		{Seq: 3, At: Now.Add(-3 * time.Hour), Partner: "City Bank", Scope: "score", Purpose: "credit_card", Outcome: "allowed"},
		{Seq: 2, At: Now.AddDate(0, 0, -4), Partner: "HomeRent Shanghai", Scope: "threshold", Purpose: "rental", Outcome: "allowed"},
		{Seq: 1, At: Now.AddDate(0, 0, -9), Partner: "QuickLoan", Scope: "full", Purpose: "loan", Outcome: "denied"},
	} {
		if before <= 0 || e.Seq < before {
			out = append(out, e)
		}
	}
	return out[:min(limit, len(out))], nil
}

func (a AccessLog) VerifyChain(context.Context, string) (portal.ChainStatus, error) {
	if a.Broken {
		return portal.ChainStatus{OK: false, Entries: 3, Detail: "entry 2 was edited"}, nil
	}
	return portal.ChainStatus{OK: true, Entries: 3, HeadSize: 3, HeadAt: Now.Add(-time.Minute), HeadRoot: strings.Repeat("4a7e", 16)}, nil
}

// Benefits approves products by band, like the shipped policies do.
type Benefits struct{}

func (Benefits) Offers(_ context.Context, s *sesame.Score) ([]portal.Offer, error) {
	products := []struct {
		id, name, partner string
		min               int
		summary           string
	}{
		{"bike", "Bike sharing without deposit", "BikeGo", 550, "No ¥299 deposit"},
		{"card", "Platinum credit card", "City Bank", 650, fmt.Sprintf("Credit line up to ¥%d", 20000)},
		{"rental", "Deposit-free house rental", "HomeRent Shanghai", 650, "Deposit waived up to ¥8,000"},
		{"car", "Deposit-free car rental", "DriveNow", 700, "Deposit waived up to ¥5,000"},
		{"loan", "Personal loan, best rate", "QuickLoan", 700, "From 3.9% a year"},
	}
	var out []portal.Offer
	for _, p := range products {
		d := "decline"
		if s.Score >= p.min {
			d = "approve"
		}
		out = append(out, portal.Offer{Product: p.id, Name: p.name, Partner: p.partner, Decision: d, Summary: p.summary})
	}
	return out, nil
}
