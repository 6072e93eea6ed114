package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/record/recordfixture"
	"github.com/sesame-credit/sesame/simulate"
)

// TestRecordPage: a person links a bill account and has a fact verified
// from the portal, sees each marked as added by them with the gain it
// brought, and removes them, which gives back the score from before.
func TestRecordPage(t *testing.T) {
	ctx := context.Background()
	fx := recordfixture.New(t, 3)
	person := simulate.PersonID(0)
	orig, err := fx.Scores.LatestScore(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *portal.Config) {
		c.Auth = &auth.People{Store: fx.DB.Sessions(), Demo: true}
		c.Scores = fx.Scores
		c.Record = fx.Record
	})
	token := h.login(person)
	_, page := h.do("GET", "/portal/record", nil)
	if !strings.Contains(page, `id="add-bill"`) || !strings.Contains(page, `id="add-fact"`) || !strings.Contains(page, "sim-utility") {
		t.Fatalf("record page lacks its forms:\n%s", page)
	}
	for _, form := range []url.Values{
		{"csrf": {token}, "kind": {"bill_account"}, "source": {"sim-utility"}, "account": {"electricity-4411"}},
		{"csrf": {token}, "kind": {"verified_fact"}, "source": {"sim-utility"}, "fact": {"identity"}},
	} {
		res, body := h.do("POST", "/portal/record", form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/record?done=added" {
			t.Fatalf("add %v: %d %s", form, res.StatusCode, body)
		}
	}
	list, err := fx.Record.List(ctx, person)
	if err != nil || len(list) != 2 {
		t.Fatalf("additions %v %v", list, err)
	}
	_, page = h.do("GET", "/portal/record?done=added", nil)
	for _, a := range list {
		item, _, _ := strings.Cut(page[strings.Index(page, `id="add-`+a.ID+`"`):], "</li>")
		want := "no change to your score"
		if a.Gain > 0 {
			want = fmt.Sprintf("+%d points", a.Gain)
		}
		if !strings.Contains(item, "added by you") || !strings.Contains(item, want) || !strings.Contains(item, a.Label) {
			t.Errorf("addition %s (gain %d) shown as %s", a.ID, a.Gain, item)
		}
	}
	// The person's export carries the additions and their vouched events.
	if _, export := h.do("GET", "/portal/data/export.json", nil); !strings.Contains(export, `"self_added"`) || !strings.Contains(export, list[0].ID+".0") {
		t.Errorf("the export lacks the additions: %.300s", export)
	}
	// A source that does not know the account: a clear 400 naming it.
	res, body := h.do("POST", "/portal/record", url.Values{"csrf": {token}, "kind": {"bill_account"}, "source": {"sim-utility"}, "account": {"yacht-1"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "account") {
		t.Errorf("unknown account: %d %s", res.StatusCode, body)
	}
	for _, a := range list {
		if res, body := h.do("POST", "/portal/record/"+a.ID+"/remove", url.Values{"csrf": {token}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d %s", res.StatusCode, body)
		}
	}
	back, _ := fx.Scores.LatestScore(ctx, person)
	if back.Score != orig.Score || back.Status != orig.Status || len(back.SelfAdded) != 0 {
		t.Fatalf("after removing both: %d %s %v, want %d %s", back.Score, back.Status, back.SelfAdded, orig.Score, orig.Status)
	}
	if _, page = h.do("GET", "/portal/record", nil); !strings.Contains(page, `id="h-removed"`) {
		t.Error("removed additions are not listed")
	}
}

// TestApprovingASocialBadgeRequestChoosesTheBadge: approving a platform's
// social_badge request in the portal stores what the person picked.
func TestApprovingASocialBadgeRequestChoosesTheBadge(t *testing.T) {
	ctx := context.Background()
	fx := recordfixture.New(t, 1)
	db := fx.DB
	db.Partners().CreatePartner(ctx, &sesame.Partner{ID: "meetup", Name: "Meetup", RedirectURIs: []string{"https://meetup.example/cb"}, CreatedAt: time.Now()})
	consents := &consent.Service{Store: db.Consents(), Partners: db.Partners()}
	partner, _ := db.Partners().Partner(ctx, "meetup")
	req, err := consents.Request(ctx, partner, consent.RequestInput{Person: "alice", Purpose: sesame.PurposeSocialBadge, Scope: sesame.ScopeThreshold, RedirectURI: "https://meetup.example/cb"})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *portal.Config) {
		c.Auth = &auth.People{Store: db.Sessions(), Demo: true}
		c.Consents = portal.ConsentService{Service: consents, Partners: db.Partners()}
		c.Badges = db.Record()
	})
	token := h.login("alice")
	_, page := h.do("GET", "/portal/consents?request="+req.ID, nil)
	if !strings.Contains(page, `name="badge"`) || !strings.Contains(page, `value="verified_clean"`) {
		t.Fatalf("the approval form offers no badge choice:\n%s", page)
	}
	if res, body := h.do("POST", "/portal/requests/"+req.ID+"/approve", url.Values{"csrf": {token}, "badge": {"band_at_least:everything"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a bad badge: %d %s", res.StatusCode, body)
	}
	if res, body := h.do("POST", "/portal/requests/"+req.ID+"/approve", url.Values{"csrf": {token}, "badge": {"verified_clean"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.StatusCode, body)
	}
	b, err := db.Record().Badge(ctx, "alice", "meetup")
	if err != nil || b.Claim.Kind != sesame.BadgeVerifiedClean {
		t.Fatalf("badge after approval: %+v %v", b, err)
	}
	// The consents page shows what the platform sees, and changes it.
	_, page = h.do("GET", "/portal/consents", nil)
	if !strings.Contains(page, "Verified identity, no unpaid orders") || !strings.Contains(page, `action="/portal/badges/meetup"`) {
		t.Fatalf("the consents page does not show the badge:\n%s", page)
	}
	if res, body := h.do("POST", "/portal/badges/meetup", url.Values{"csrf": {token}, "badge": {"band_at_least:good"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change the badge: %d %s", res.StatusCode, body)
	}
	if b, err := db.Record().Badge(ctx, "alice", "meetup"); err != nil || b.Claim.MinBand != sesame.Good {
		t.Fatalf("badge after the change: %+v %v", b, err)
	}
}

// TestBenefitsShowFastReviewAndTheBadge: the benefits page evaluates the
// shipped catalog, fast review's lane and the band claim included.
func TestBenefitsShowFastReviewAndTheBadge(t *testing.T) {
	catalog, err := policy.NewCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *portal.Config) { c.Benefits = portal.PolicyBenefits{Catalog: catalog} })
	h.login("alice")
	_, page := h.do("GET", "/portal/benefits", nil)
	now, next, _ := strings.Cut(page, `id="h-next"`)
	// The fixture's score is 672, very good: the fast lane now, and more
	// checks waived and a higher band to show from excellent.
	for _, want := range []string{"Fast review", "fast lane · may waive income proof, bank statements", "Social badge", "can show: band at least very good"} {
		if !strings.Contains(now, want) {
			t.Errorf("benefits now lack %q", want)
		}
	}
	for _, want := range []string{"may waive income proof, bank statements, employment letter, guarantor", "can show: band at least excellent"} {
		if !strings.Contains(next, want) {
			t.Errorf("benefits at the next band lack %q", want)
		}
	}
}

// TestBrowserAddToRecord links a bill account and has a fact verified in
// real Chromium, on the real score service with the self-added rule: each
// addition is shown as added by the person with exactly the gain it
// brought, and removing both gives back the score from before.
func TestBrowserAddToRecord(t *testing.T) {
	ctx := context.Background()
	// Someone whose identity is not verified yet: verifying it raises the
	// fixture model's score, so the page has a gain to show.
	fx := recordfixture.New(t, 12)
	var person string
	var orig *sesame.Score
	for i := range 12 {
		s, err := fx.Scores.LatestScore(ctx, simulate.PersonID(i))
		if err != nil {
			t.Fatal(err)
		}
		if s.Status == sesame.StatusScored && s.Features["identity_verified"] == 0 {
			person, orig = s.Person, s
			break
		}
	}
	if person == "" {
		t.Fatal("nobody among 12 simulated people has an unverified identity")
	}
	b := newBrowser(t, func(c *portal.Config) {
		c.Auth = &auth.People{Store: fx.DB.Sessions(), Demo: true}
		c.Scores = fx.Scores
		c.Record = fx.Record
	})
	b.loginAs(person)
	b.do("record page", chromedp.Navigate(b.base+"/portal/record"), chromedp.WaitVisible(chromedp.CSS("#add-bill")))
	b.do("link a bill account",
		chromedp.SendKeys(chromedp.CSS("#account"), "electricity-4411"),
		chromedp.Click(chromedp.CSS("#add-bill button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`li[id^="add-"]`)),
	)
	b.do("have the identity verified",
		chromedp.SetValue(chromedp.CSS("#fact"), "identity"),
		chromedp.Click(chromedp.CSS("#add-fact button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`li[id^="add-"] + li[id^="add-"]`)),
	)
	list, err := fx.Record.List(ctx, person)
	if err != nil || len(list) != 2 {
		t.Fatalf("additions %v %v", list, err)
	}
	gained := 0
	for _, a := range list {
		item := run(b, "addition "+a.ID, chromedp.Text(chromedp.CSS("#add-"+a.ID)))
		want := "no change to your score"
		if a.Gain > 0 {
			want = fmt.Sprintf("+%d points", a.Gain)
		}
		if !strings.Contains(item, a.Label) || !strings.Contains(item, "added by you") || !strings.Contains(item, want) {
			t.Errorf("addition %q (gain %d) reads %q, want %q", a.Label, a.Gain, item, want)
		}
		gained += a.Gain
	}
	if gained == 0 {
		t.Error("neither addition raised the score: the page's gains are not tested")
	}
	b.screenshot("record")
	for left := len(list) - 1; left >= 0; left-- {
		b.do("remove one", chromedp.Click(chromedp.CSS(`li[id^="add-"] button.danger`)))
		// The page after the first removal already shows #h-removed, so each
		// removal waits for the answer's page with one addition fewer; an
		// evaluation that meets the navigation in flight is asked again.
		shown := fmt.Sprintf(`document.readyState === "complete" && document.querySelector("#h-removed") !== null && document.querySelectorAll('li[id^="add-"]').length === %d`, left)
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
			done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](shown))
			cancel()
			if err == nil && done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("removing an addition: the page did not show %d left (%v)", left, err)
			}
		}
	}
	if n := run(b, "kept after removing both", chromedp.Evaluate[int](`document.querySelectorAll('li[id^="add-"]').length`)); n != 0 {
		t.Errorf("%d additions still listed as kept", n)
	}
	back, _ := fx.Scores.LatestScore(ctx, person)
	if back.Score != orig.Score || len(back.SelfAdded) != 0 {
		t.Errorf("after removing both in the browser: %d %v, want %d", back.Score, back.SelfAdded, orig.Score)
	}
}

// TestRecordPageWithoutSources: on a server with no vouching source the
// page says so instead of offering forms that can only fail.
func TestRecordPageWithoutSources(t *testing.T) {
	fx := recordfixture.New(t, 1)
	none := *fx.Record
	none.Vouchers = nil
	h := newHarness(t, func(c *portal.Config) {
		c.Auth = &auth.People{Store: fx.DB.Sessions(), Demo: true}
		c.Scores = fx.Scores
		c.Record = &none
	})
	h.login(simulate.PersonID(0))
	_, page := h.do("GET", "/portal/record", nil)
	if !strings.Contains(page, `id="no-sources"`) || strings.Contains(page, `id="add-bill"`) || strings.Contains(page, `id="add-fact"`) {
		t.Fatalf("the record page without sources:\n%s", page)
	}
}
