package portal_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/portal/portaltest"
	"github.com/sesame-credit/sesame/sqlite"
)

// TestWithRealStores runs the portal on the real SQLite stores and services
// (sessions, consents, access log, credentials, disputes) through the
// adapters, the way `sesame serve` wires it; only the score is a fixture.
func TestWithRealStores(t *testing.T) {
	ctx := context.Background()
	db, consents, granted := aliceWithCityBank(t)
	partner, _ := db.Partners().Partner(ctx, "citybank")
	req, err := consents.Request(ctx, partner, consent.RequestInput{Person: "alice", Purpose: sesame.PurposeLoan, Scope: sesame.ScopeThreshold, Thresholds: []int{650}, RedirectURI: "https://citybank.example/cb"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &audit.Recorder{Log: db.AccessLog()}
	if err := rec.Record(ctx, &sesame.AccessEntry{Person: "alice", Actor: "partner:citybank", Action: "score.read", Scope: sesame.ScopeScore,
		Purpose: sesame.PurposeCreditCard, Consent: granted.ID, Outcome: sesame.AccessAllowed}); err != nil {
		t.Fatal(err)
	}
	sealer, _ := credential.NewSealer(make([]byte, 32))
	badge := &sesame.BadgeChoice{Person: "alice", Partner: "citybank", Claim: sesame.BadgeClaim{Kind: sesame.BadgeVerifiedClean}, ChosenAt: time.Now().UTC()}
	if err := db.Record().SetBadge(ctx, badge); err != nil {
		t.Fatal(err)
	}
	if err := db.Outbox().SetMailAddress(ctx, sesame.PersonRecipient("alice"), "alice@mail.example", time.Now()); err != nil {
		t.Fatal(err)
	}

	h := newHarness(t, func(c *portal.Config) {
		c.Badges = db.Record()
		c.MailAddress = db.Outbox()
		c.Auth = &auth.People{Store: db.Sessions(), Demo: true}
		c.Consents = portal.ConsentService{Service: consents, Partners: db.Partners()}
		c.AccessLog = portal.AuditLog{Log: db.AccessLog(), Partners: db.Partners()}
		c.Credentials = &credential.Service{Store: db.Credentials(), Sealer: sealer}
		c.Events = db.Events()
		c.Disputes = db.Credentials()
		c.Scores = portaltest.NewScores()
		catalog, err := policy.NewCatalog(nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Benefits = portal.PolicyBenefits{Catalog: catalog}
	})
	token := h.login("alice")

	_, page := h.do("GET", "/portal/consents", nil)
	if !strings.Contains(page, "consent-"+granted.ID) || !strings.Contains(page, "req-"+req.ID) || !strings.Contains(page, "City Bank") {
		t.Fatal("consents page lacks the real consent or request")
	}
	if res, _ := h.do("POST", "/portal/requests/"+req.ID+"/approve", url.Values{"csrf": {token}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	if res, _ := h.do("POST", "/portal/consents/"+granted.ID+"/revoke", url.Values{"csrf": {token}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	live, _ := consents.List(ctx, "alice", false)
	if len(live) != 1 || live[0].Purpose != sesame.PurposeLoan {
		t.Fatalf("after approve and revoke, live consents = %+v", live)
	}
	// The export holds the revoked consent too, with when it ended.
	_, body := h.do("GET", "/portal/data/export.json", nil)
	var export struct {
		Consents    []portal.Consent        `json:"consents"`
		Requests    []portal.ConsentRequest `json:"consent_requests"`
		Badges      []sesame.BadgeChoice    `json:"badge_choices"`
		MailAddress string                  `json:"mail_address"`
	}
	if err := json.Unmarshal([]byte(body), &export); err != nil {
		t.Fatal(err)
	}
	if len(export.Requests) != 1 || export.Requests[0].ID != req.ID || export.Requests[0].Status != sesame.RequestApproved {
		t.Fatalf("the export's consent requests %+v: want the approved %s", export.Requests, req.ID)
	}
	if len(export.Badges) != 1 || export.Badges[0].Partner != "citybank" || export.MailAddress != "alice@mail.example" {
		t.Fatalf("the export's badge choices %+v and mail address %q: want citybank's and alice@mail.example", export.Badges, export.MailAddress)
	}
	revoked := slices.IndexFunc(export.Consents, func(c portal.Consent) bool { return c.ID == granted.ID })
	if len(export.Consents) != 2 || revoked < 0 || export.Consents[revoked].RevokedAt.IsZero() {
		t.Fatalf("the export's consents %+v: want the live one and the revoked %s with its revoked_at", export.Consents, granted.ID)
	}
	_, page = h.do("GET", "/portal/access-log", nil)
	if !strings.Contains(page, `data-ok="true"`) || !strings.Contains(page, "City Bank") {
		t.Error("access log page: chain status or entry missing")
	}
	// A second look, a signed head over both: the person is shown the head
	// their entries were proved under; an edited entry is flagged.
	if err := rec.Record(ctx, &sesame.AccessEntry{Person: "alice", Actor: "partner:citybank", Action: "score.read", Scope: sesame.ScopeScore,
		Purpose: sesame.PurposeCreditCard, Consent: granted.ID, Outcome: sesame.AccessAllowed}); err != nil {
		t.Fatal(err)
	}
	head, err := audit.SignNow(ctx, db.AccessLog(), ed25519.NewKeyFromSeed(make([]byte, 32)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, page = h.do("GET", "/portal/access-log", nil)
	if !strings.Contains(page, `data-ok="true"`) || !strings.Contains(page, "signed head of 2 entries") || !strings.Contains(page, head.Root) {
		t.Errorf("access log page does not name the signed head of 2 entries (root %s)", head.Root)
	}
	if _, err := db.AccessWriter().Exec(`UPDATE access_log SET outcome = 'denied' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	_, page = h.do("GET", "/portal/access-log", nil)
	if !strings.Contains(page, `data-ok="false"`) || !strings.Contains(page, "Does not verify") {
		t.Error("access log page does not flag an edited entry")
	}
	res, _ := h.do("POST", "/portal/share", url.Values{"csrf": {token}, "kind": {"score"}, "days": {"7"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("issue: %d", res.StatusCode)
	}
	_, page = h.do("GET", res.Header.Get("Location"), nil)
	m := regexp.MustCompile(`/verify\?c=([A-Za-z0-9_.%-]+)`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no verify link")
	}
	_, body = h.do("GET", "/verify?c="+m[1], nil, "Accept", "application/json")
	if !strings.Contains(body, `"valid": true`) {
		t.Errorf("credential from the real store does not verify: %s", body)
	}
	// Benefits from the shipped CEL products: something is approved at
	// 672, and the next band (700) prices the loan better.
	_, page = h.do("GET", "/portal/benefits", nil)
	now, next, _ := strings.Cut(page, `id="h-next"`)
	if !strings.Contains(now, "Approved") || !strings.Contains(next, "Excellent") {
		t.Errorf("benefits from the shipped products look wrong:\n%s", page)
	}
	// Logging out ends the real session.
	h.do("POST", "/portal/logout", url.Values{"csrf": {token}})
	if res, _ := h.do("GET", "/portal/", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d", res.StatusCode)
	}
}

// aliceWithCityBank opens a fresh database on the real stores, with the
// partner City Bank and alice's consent to it.
func aliceWithCityBank(t testing.TB) (*sqlite.DB, *consent.Service, *sesame.Consent) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Partners().CreatePartner(ctx, &sesame.Partner{ID: "citybank", Name: "City Bank", RedirectURIs: []string{"https://citybank.example/cb"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	consents := &consent.Service{Store: db.Consents(), Partners: db.Partners()}
	granted, err := consents.Grant(ctx, "alice", "citybank", sesame.PurposeCreditCard, sesame.ScopeScore, time.Now().Add(90*24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	return db, consents, granted
}

// TestPartnerApprovalLink follows a partner's approval link as a person who
// is not logged in: login, back to the request, approve, a link back to the
// partner's registered redirect URI with the answer.
func TestPartnerApprovalLink(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Partners().CreatePartner(ctx, &sesame.Partner{ID: "bikego", Name: "BikeGo", RedirectURIs: []string{"https://bikego.example/cb"}, CreatedAt: time.Now()})
	consents := &consent.Service{Store: db.Consents(), Partners: db.Partners()}
	partner, _ := db.Partners().Partner(ctx, "bikego")
	req, err := consents.Request(ctx, partner, consent.RequestInput{Purpose: sesame.PurposeBikeSharing, Scope: sesame.ScopeThreshold,
		Thresholds: []int{600}, RedirectURI: "https://bikego.example/cb", State: "xyz"})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *portal.Config) {
		c.Auth = &auth.People{Store: db.Sessions(), Demo: true}
		c.Consents = portal.ConsentService{Service: consents, Partners: db.Partners()}
	})
	approval := "/portal/consents?request=" + req.ID
	res, _ := h.do("GET", approval, nil)
	loginURL := res.Header.Get("Location")
	if !strings.HasPrefix(loginURL, "/portal/login?next=") {
		t.Fatalf("approval link without a session → %q", loginURL)
	}
	_, page := h.do("GET", loginURL, nil)
	next := regexp.MustCompile(`name="next" value="(/portal/consents[^"]+)"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("login form lost the way back")
	}
	_, page = h.do("POST", "/portal/login", url.Values{"csrf": {csrfOf(t, page)}, "who": {"alice"}, "next": {strings.ReplaceAll(next[1], "&amp;", "&")}})
	link := regexp.MustCompile(`href="(/portal/auth\?[^"]+)"`).FindStringSubmatch(page)
	res = h.redeem(link[1])
	if res.Header.Get("Location") != approval {
		t.Fatalf("after login → %q, want back to %q", res.Header.Get("Location"), approval)
	}
	_, page = h.do("GET", approval, nil)
	if !strings.Contains(page, "BikeGo asks for your consent") || !strings.Contains(page, `id="focus-approve"`) {
		t.Fatal("the approval page does not show the request")
	}
	res, page = h.do("POST", "/portal/requests/"+req.ID+"/approve", url.Values{"csrf": {csrfOf(t, page)}, "return": {"partner"}})
	back := regexp.MustCompile(`id="return-to-partner" href="([^"]+)"`).FindStringSubmatch(page)
	if res.StatusCode != 200 || back == nil {
		t.Fatalf("after approving: %d, no link back to the partner", res.StatusCode)
	}
	u, _ := url.Parse(strings.ReplaceAll(back[1], "&amp;", "&"))
	if u.Host != "bikego.example" || u.Query().Get("status") != "approved" || u.Query().Get("state") != "xyz" {
		t.Errorf("link back = %s", u)
	}
	if _, page = h.do("GET", approval, nil); !strings.Contains(page, "already been answered") {
		t.Error("an answered request is offered again")
	}
	if _, page = h.do("GET", "/portal/consents?request=creq_nope", nil); !strings.Contains(page, "does not exist") {
		t.Error("an unknown request id is not explained")
	}
}

// TestEraseFromThePortal: My data links to the erasure page; erasing needs
// the box ticked; once confirmed, the person's consents, credential and
// session are gone, the receipt is shown, and the access log verifies.
func TestEraseFromThePortal(t *testing.T) {
	ctx := context.Background()
	db, consents, granted := aliceWithCityBank(t)
	if err := (&audit.Recorder{Log: db.AccessLog()}).Record(ctx, &sesame.AccessEntry{Person: "alice", Actor: "partner:citybank", Action: "score.read",
		Scope: sesame.ScopeScore, Purpose: sesame.PurposeCreditCard, Consent: granted.ID, Outcome: sesame.AccessAllowed}); err != nil {
		t.Fatal(err)
	}
	sealer, _ := credential.NewSealer(make([]byte, 32))
	h := newHarness(t, func(c *portal.Config) {
		c.Auth = &auth.People{Store: db.Sessions(), Demo: true}
		c.Consents = portal.ConsentService{Service: consents, Partners: db.Partners()}
		c.Credentials = &credential.Service{Store: db.Credentials(), Sealer: sealer}
		c.Events = db.Events()
		c.Eraser = db.Eraser()
		c.Scores = portaltest.NewScores()
	})
	token := h.login("alice")
	if res, _ := h.do("POST", "/portal/share", url.Values{"csrf": {token}, "kind": {"score"}, "days": {"7"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("issue: %d", res.StatusCode)
	}
	if _, page := h.do("GET", "/portal/data", nil); !strings.Contains(page, `id="erase-link"`) {
		t.Fatal("My data has no link to erasure")
	}
	_, page := h.do("GET", "/portal/erase", nil)
	if !strings.Contains(page, `id="erase-form"`) || !strings.Contains(page, "cannot be undone") {
		t.Fatalf("the erasure page asks for no confirmation:\n%s", page)
	}
	if res, page := h.do("POST", "/portal/erase", url.Values{"csrf": {token}}); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Tick the box") {
		t.Fatalf("unconfirmed erasure: %d", res.StatusCode)
	}
	if live, _ := consents.List(ctx, "alice", false); len(live) != 1 {
		t.Fatalf("an unconfirmed erasure changed the consents: %+v", live)
	}
	res, page := h.do("POST", "/portal/erase", url.Values{"csrf": {token}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `id="erase-receipt">erasure:`) {
		t.Fatalf("erasure: %d\n%s", res.StatusCode, page)
	}
	if live, _ := consents.List(ctx, "alice", true); len(live) != 0 {
		t.Errorf("consents after erasure: %+v", live)
	}
	if creds, _ := db.Credentials().Credentials(ctx, "alice"); len(creds) != 0 {
		t.Errorf("credentials after erasure: %+v", creds)
	}
	if res, _ := h.do("GET", "/portal/", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the session outlived the erasure: %d", res.StatusCode)
	}
	if r, err := audit.Verify(ctx, db.AccessLog(), audit.Options{}); err != nil || !r.OK {
		t.Errorf("the access log after erasure: %+v %v", r, err)
	}
}
