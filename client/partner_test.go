package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/client"
	"github.com/sesame-credit/sesame/consent"
	sesamehttp "github.com/sesame-credit/sesame/http"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/sqlite"
)

// partnerWorld is a real server with the partner API wired on SQLite, a
// partner "acme" and its key, and two scored people.
type partnerWorld struct {
	URL string
	Key string
	DB  *sqlite.DB
	Now time.Time
}

func newPartnerWorld(t *testing.T) *partnerWorld {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	catalog, err := policy.NewCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	consents := &consent.Service{Store: db.Consents(), Partners: db.Partners(), ProductThresholds: catalog.ScoreThresholds}
	gate := &consent.Gate{Consents: consents, Scores: db.Scores(), Audit: &audit.Recorder{Log: db.AccessLog()}}
	partners := &auth.Partners{Store: db.Partners()}
	srv := sesamehttp.NewServer(sesamehttp.Config{})
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv.Auth.AddToken("op", sesamehttp.Principal{Role: sesamehttp.RoleOperator, Name: "op"})
	srv.UseTrust(&sesamehttp.Trust{Partners: partners, People: &auth.People{Store: db.Sessions()}, Consents: consents, Gate: gate,
		Decider:   &policy.Decider{Catalog: catalog, Gate: gate, Store: db.Decisions(), Badges: db.Record()},
		Decisions: db.Decisions(), AccessLog: db.AccessLog(), Scores: db.Scores()})
	hs := httptest.NewServer(apiSpec.Checking(t, srv.Handler()))
	t.Cleanup(hs.Close)
	key, err := partners.Register(ctx, &sesame.Partner{ID: "acme", Name: "Acme Bank", RedirectURIs: []string{"https://acme.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for person, score := range map[string]int{"p1": 655, "p2": 520} {
		sc := &sesame.Score{Person: person, Status: sesame.StatusScored, Score: score, Band: sesame.BandOf(score), ModelVersion: "m1", AsOf: now,
			Dimensions: []sesame.DimensionScore{{Dimension: sesame.CreditHistory, Score: score}},
			Features:   map[string]float64{"income_monthly": 9000, "income_verified": 1}}
		if err := db.Scores().SaveScores(ctx, []*sesame.Score{sc}); err != nil {
			t.Fatal(err)
		}
	}
	return &partnerWorld{URL: hs.URL, Key: key, DB: db, Now: now}
}

// consent stores person's consent to acme, as the person's approval would.
func (w *partnerWorld) consent(t *testing.T, person string, scope sesame.Scope) {
	t.Helper()
	c := &sesame.Consent{ID: "con_" + person, Person: person, Partner: "acme", Purpose: sesame.PurposeLoan, Scope: scope,
		GrantedAt: w.Now.Add(-time.Minute), ExpiresAt: w.Now.Add(time.Hour)}
	if err := w.DB.Consents().CreateConsent(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// TestPartnerFlow: what a partner does, through the client only: list the
// products, ask for consent, read the score and a threshold the consent
// allows, ask for a decision and read it back; and what it may not.
func TestPartnerFlow(t *testing.T) {
	ctx := context.Background()
	w := newPartnerWorld(t)
	c := client.New(w.URL, w.Key)

	products, err := c.Products(ctx)
	if err != nil || len(products) == 0 {
		t.Fatalf("products: %v %v", products, err)
	}
	found := false
	for _, p := range products {
		found = found || p.ID == "personal_loan" && p.PolicyVersion != ""
	}
	if !found {
		t.Fatalf("no personal_loan among %+v", products)
	}

	req, err := c.RequestConsent(ctx, client.ConsentRequestInput{Person: "p1", Purpose: sesame.PurposeLoan, Scope: sesame.ScopeScore,
		RedirectURI: "https://acme.example/cb", State: "xyz"})
	if err != nil || req.Status != sesame.RequestPending || req.ApprovalURL == "" {
		t.Fatalf("consent request: %+v %v", req, err)
	}
	if again, err := c.ConsentRequest(ctx, req.ID); err != nil || again.ID != req.ID || again.State != "xyz" {
		t.Fatalf("the request read back: %+v %v", again, err)
	}

	// Without a consent: forbidden, in the one error shape.
	var e *client.Error
	if _, err := c.PartnerScore(ctx, "p1"); !errors.As(err, &e) || e.Status != 403 || e.Code != sesame.EFORBIDDEN {
		t.Fatalf("a score read without consent: %v", err)
	}
	w.consent(t, "p1", sesame.ScopeScore)
	sc, err := c.PartnerScore(ctx, "p1")
	if err != nil || sc.Score != 655 || sc.Band != sesame.BandOf(655) || sc.Consent != "con_p1" || sc.Dimensions != nil {
		t.Fatalf("score under scope score: %+v %v", sc, err)
	}
	if th, err := c.Threshold(ctx, "p1", 650); err != nil || !th.Meets || th.Min != 650 {
		t.Fatalf("threshold 650: %+v %v", th, err)
	}
	if th, err := c.Threshold(ctx, "p1", 700); err != nil || th.Meets {
		t.Fatalf("threshold 700: %+v %v", th, err)
	}
	if _, err := c.Threshold(ctx, "p1", 1200); !errors.As(err, &e) || e.Status != 400 || e.Code != sesame.EINVALID {
		t.Fatalf("threshold 1200: %v", err)
	}

	d, err := c.Decide(ctx, "p1", "personal_loan", 50000)
	if err != nil || d.ID == "" || d.Result.Decision != "approve" || d.ModelVersion != "m1" {
		t.Fatalf("decision: %+v %v", d, err)
	}
	if back, err := c.Decision(ctx, d.ID); err != nil || back.ID != d.ID || back.Result.Decision != d.Result.Decision {
		t.Fatalf("the decision read back: %+v %v", back, err)
	}
	if _, err := c.Decide(ctx, "p2", "personal_loan", 0); !errors.As(err, &e) || e.Status != 403 {
		t.Fatalf("a decision without consent: %v", err)
	}
}

// TestOperatorLists: the operator's lists come back whole through the
// paging of every list.
func TestOperatorLists(t *testing.T) {
	ctx := context.Background()
	w := newPartnerWorld(t)
	partners := &auth.Partners{Store: w.DB.Partners()}
	for _, id := range []string{"b1", "b2", "b3"} {
		if _, err := partners.Register(ctx, &sesame.Partner{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := client.New(w.URL, "op").Partners(ctx)
	if err != nil || len(ps) != 4 || ps[0].ID != "acme" || ps[3].ID != "b3" {
		t.Fatalf("partners: %+v %v", ps, err)
	}
	if _, err := client.New(w.URL, w.Key).Partners(ctx); err == nil {
		t.Fatal("a partner listed the partners")
	}
}
