package http

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/record/recordfixture"
	"github.com/sesame-credit/sesame/simulate"
)

// TestAdditionsThroughTheAPI: a person adds to their record through the
// API until one addition raises their score; a partner reading the score
// then sees what in it was self-added; removing the addition restores the
// score and the mark goes.
func TestAdditionsThroughTheAPI(t *testing.T) {
	fx := recordfixture.New(t, 12)
	db := fx.DB
	consents := &consent.Service{Store: db.Consents(), Partners: db.Partners()}
	gate := &consent.Gate{Consents: consents, Scores: fx.Scores, Audit: &audit.Recorder{Log: db.AccessLog()}}
	catalog, err := policy.NewCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &Trust{Partners: &auth.Partners{Store: db.Partners()}, People: &auth.People{Store: db.Sessions(), Demo: true},
		Consents: consents, Gate: gate, Decider: &policy.Decider{Catalog: catalog, Gate: gate, Store: db.Decisions(), Badges: db.Record()},
		Decisions: db.Decisions(), Badges: db.Record(), Record: fx.Record, AccessLog: db.AccessLog(), Scores: fx.Scores}
	srv := NewServer(Config{})
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv.Auth.AddToken(testOperator, Principal{Role: RoleOperator, Name: "op"})
	srv.UseTrust(tr)
	hs := httptest.NewServer(validating(t, srv.Handler()))
	t.Cleanup(hs.Close)
	ts := &trustServer{t: t, srv: srv, http: hs, db: db, trust: tr, keys: map[string]string{}, session: map[string]string{}, now: time.Now().UTC()}
	key := ts.addPartner("lender")

	if a := ts.do("POST", "/v1/me/additions", ts.login(simulate.PersonID(0)), `{"source":"sim-utility","kind":"car"}`); a.status != 400 || !strings.Contains(a.body, `"kind"`) {
		t.Fatalf("a bad kind: %d %s", a.status, a.body)
	}
	// The list takes the paging contract of every list.
	for q, field := range map[string]string{"limt=5": "limt", "limit=0": "limit", "cursor=nonsense": "cursor"} {
		a := ts.do("GET", "/v1/me/additions?"+q, ts.login(simulate.PersonID(0)), "")
		if a.status != 400 || !strings.Contains(a.body, `"field":"`+field+`"`) {
			t.Errorf("additions?%s: %d %s", q, a.status, a.body)
		}
	}
	var raised string
	var change scoreChange
	for i := range 12 {
		p := simulate.PersonID(i)
		session := ts.login(p)
		a := ts.do("POST", "/v1/me/additions", session, `{"source":"sim-utility","kind":"bill_account","account":"phone-0187"}`)
		if a.status != 201 {
			t.Fatalf("add: %d %s", a.status, a.body)
		}
		a.json(t, &change)
		if change.After < change.Before || change.Addition.Gain != max(0, change.After-change.Before) {
			t.Fatalf("%s: %+v", p, change)
		}
		if change.Addition.Gain > 0 {
			raised = p
			break
		}
	}
	if raised == "" {
		t.Fatal("no addition raised a score among 12 people; the test proves nothing")
	}
	session := ts.session[raised]
	if a := ts.do("POST", "/v1/me/consents", session, `{"partner":"lender","purpose":"loan","scope":"score"}`); a.status != 201 {
		t.Fatalf("grant: %d %s", a.status, a.body)
	}
	a := ts.do("GET", "/v1/partner/people/"+raised+"/score", key, "")
	if a.status != 200 || !strings.Contains(a.body, `"self_added":[{"id":"`+change.Addition.ID+`"`) || !strings.Contains(a.body, `"self_added_points":`) {
		t.Fatalf("the partner does not see the self-added part: %d %s", a.status, a.body)
	}
	// A decision on that score says so too, as a report marks self-added data.
	if a := ts.do("POST", "/v1/partner/decisions", key, `{"person":"`+raised+`","product":"personal_loan","requested":5000}`); a.status != 201 ||
		!strings.Contains(a.body, `"self_added":[{"id":"`+change.Addition.ID+`"`) {
		t.Fatalf("the partner's decision does not mark the self-added part: %d %s", a.status, a.body)
	}
	if a := ts.do("GET", "/v1/me/additions", session, ""); a.status != 200 || !strings.Contains(a.body, change.Addition.ID) || !strings.Contains(a.body, `"sim-late"`) {
		t.Fatalf("list: %d %s", a.status, a.body)
	}
	// A verified fact, through a source that vouches for it, for someone else.
	other := simulate.PersonID(0)
	if other == raised {
		other = simulate.PersonID(1)
	}
	var fact scoreChange
	a = ts.do("POST", "/v1/me/additions", ts.login(other), `{"source":"sim-utility","kind":"verified_fact","fact":"identity"}`)
	a.json(t, &fact)
	if a.status != 201 || fact.Addition.Kind != "verified_fact" || fact.Addition.Label != "identity verified" || fact.After < fact.Before ||
		fact.Addition.Gain != fact.After-fact.Before {
		t.Fatalf("a verified fact: %d %s", a.status, a.body)
	}
	if a := ts.do("DELETE", "/v1/me/additions/"+change.Addition.ID, ts.login(simulate.PersonID(99)), ""); a.status != 404 {
		t.Fatalf("someone else removing it: %d %s", a.status, a.body)
	}
	var removed scoreChange
	a = ts.do("DELETE", "/v1/me/additions/"+change.Addition.ID, session, "")
	a.json(t, &removed)
	if a.status != 200 || removed.After != change.Before {
		t.Fatalf("remove: %d %s; want the score back at %d", a.status, a.body, change.Before)
	}
	if a := ts.do("GET", "/v1/partner/people/"+raised+"/score", key, ""); strings.Contains(a.body, "self_added") {
		t.Fatalf("after removal the score still says self-added: %s", a.body)
	}
	if a := ts.do("POST", "/v1/partner/decisions", key, `{"person":"`+raised+`","product":"personal_loan","requested":5000}`); a.status != 201 || strings.Contains(a.body, "self_added") {
		t.Fatalf("after removal a decision still says self-added: %d %s", a.status, a.body)
	}
}
