package portal_test

import (
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/portal/portaltest"
)

// The tests here drive the portal in Chromium for what a person on a
// phone or with a screen reader meets: each defect the portal issue lists
// has a test that would have caught it.

// pagedEvents is a ledger that pages like the real stores: oldest first,
// Limit events a page, an opaque cursor.
type pagedEvents struct{ list []sesame.Event }

func (e *pagedEvents) Events(_ context.Context, f sesame.EventFilter) (sesame.EventPage, error) {
	start := 0
	if f.Cursor != "" {
		n, err := strconv.Atoi(f.Cursor)
		if err != nil {
			return sesame.EventPage{}, sesame.Errorf(sesame.EINVALID, "bad cursor")
		}
		start = n
	}
	var out []sesame.Event
	next := ""
	for i := start; i < len(e.list); i++ {
		ev := e.list[i]
		if ev.Person != f.Person || (!f.To.IsZero() && !ev.OccurredAt.Before(f.To)) || (!f.From.IsZero() && ev.OccurredAt.Before(f.From)) {
			continue
		}
		if len(out) == f.Limit {
			next = strconv.Itoa(i)
			break
		}
		out = append(out, ev)
	}
	return sesame.EventPage{Events: out, Next: next}, nil
}

// manyEvents is alice's ledger of 120 events, one a day up to yesterday;
// the newest is a payment of CNY 7,815.09 and the oldest states identity
// facts with a protected attribute.
func manyEvents() *pagedEvents {
	e := &pagedEvents{}
	verified := true
	for i := 120; i >= 1; i-- {
		ev := sesame.Event{Version: 1, Source: "bank-cn", ID: fmt.Sprintf("e-%03d", 121-i), Person: "alice", OccurredAt: portaltest.Now.AddDate(0, 0, -i)}
		switch i {
		case 120:
			ev.Kind, ev.Payload = sesame.KindIdentityReported, &sesame.IdentityReported{BirthYear: 1990, IdentityVerified: &verified, Protected: map[string]string{"sex": "female"}}
		case 1:
			ev.Kind, ev.Payload = sesame.KindPaymentMade, &sesame.PaymentMade{Amount: sesame.Money{Amount: 781509, Currency: "CNY"}, Channel: "app", Direction: "debit"}
		default:
			ev.Kind, ev.Payload = sesame.KindBillPaid, &sesame.BillPaid{Bill: fmt.Sprintf("elec-%d", i), Amount: sesame.Money{Amount: int64(20000 + i), Currency: "CNY"}}
		}
		e.list = append(e.list, ev)
	}
	return e
}

func (b *browser) texts(sel string) []string {
	b.t.Helper()
	return run(b, "texts "+sel, chromedp.Evaluate[[]string](`[...document.querySelectorAll(`+strconv.Quote(sel)+`)].map(e => e.textContent.trim())`))
}

func (b *browser) ids(sel string) []string {
	b.t.Helper()
	return run(b, "ids", chromedp.Evaluate[[]string](`[...document.querySelectorAll(`+strconv.Quote(sel)+`)].map(e => e.querySelector("input[name=id]") ? e.querySelector("input[name=id]").value : e.textContent)`))
}

func TestBrowserMyDataNewestFirstReadable(t *testing.T) {
	events := manyEvents()
	b := newBrowser(t, func(c *portal.Config) {
		c.Events = events
		c.Disputes = &portaltest.Disputes{Events: &portaltest.Events{}}
	})
	b.login()
	b.do("my data", chromedp.Navigate(b.base+"/portal/data"), chromedp.WaitVisible(chromedp.CSS("#h-events")))

	rows := b.texts("table.events tbody tr td.when")
	if len(rows) != 50 {
		t.Fatalf("first page lists %d events, want 50", len(rows))
	}
	kinds := b.texts("table.events tbody tr td.kind")
	if kinds[0] != "Payment" {
		t.Errorf("first event is %q; the newest (yesterday's payment) should come first", kinds[0])
	}
	page := run(b, "page text", chromedp.Evaluate[string](`document.querySelector("table.events").innerText`))
	if !strings.Contains(page, "CNY 7,815.09") {
		t.Errorf("the payment of 781509 fen does not read CNY 7,815.09:\n%.400s", page)
	}
	for _, raw := range []string{"781509", `{"`, "amount\":"} {
		if strings.Contains(page, raw) {
			t.Errorf("the events show raw JSON (%q)", raw)
		}
	}
	href := run(b, "older link", chromedp.AttributeValue(chromedp.CSS("#older-events"), "href"))
	if strings.Contains(strings.ToLower(href.Value), "%3d") || strings.Contains(href.Value, "&amp;") {
		t.Errorf("the older-events link is escaped twice: %s", href.Value)
	}
	first := strings.Join(b.ids("table.events tbody tr"), ",")

	seen := map[string]bool{}
	for _, id := range b.ids("table.events tbody tr") {
		seen[id] = true
	}
	total := len(seen)
	for pageNo := 2; ; pageNo++ {
		if n := run(b, "older link present", chromedp.Evaluate[int](`document.querySelectorAll("#older-events").length`)); n == 0 {
			break
		}
		if pageNo > 5 {
			t.Fatal("the older-events link never ends")
		}
		b.do("older events", chromedp.Click(chromedp.CSS("#older-events")), chromedp.WaitVisible(chromedp.CSS("#h-events")))
		ids := b.ids("table.events tbody tr")
		if strings.Join(ids, ",") == first {
			t.Fatalf("page %d repeats page 1", pageNo)
		}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("page %d repeats event %s", pageNo, id)
			}
			seen[id] = true
		}
		total += len(ids)
	}
	if total != 120 {
		t.Errorf("paging through listed %d events, want all 120", total)
	}
	// The last page holds the identity facts: in words, the protected attribute nowhere.
	last := run(b, "last page", chromedp.Evaluate[string](`document.querySelector("table.events").innerText`))
	if !strings.Contains(last, "Identity details") || !strings.Contains(last, "Year of birth") {
		t.Errorf("identity facts are not in words:\n%.400s", last)
	}
	for _, bad := range []string{"protected", "female", "sex"} {
		if strings.Contains(strings.ToLower(last), bad) {
			t.Errorf("My data shows the protected attribute (%q)", bad)
		}
	}
	b.do("bad position", chromedp.Navigate(b.base+"/portal/data?before=zzz"), chromedp.WaitVisible(chromedp.CSS("#page-error")))
}

// accessWords is an access log with a platform entry and more entries in
// the chain than the page lists.
type accessWords struct{}

func (accessWords) AccessLog(_ context.Context, p string, _ int64, limit int) ([]portal.AccessEntry, error) {
	return []portal.AccessEntry{
		{At: portaltest.Now.Add(-time.Hour), Partner: "operator:operator", Actor: "operator:operator", Action: "operator.read", Scope: "full", Outcome: "allowed"},
		{At: portaltest.Now.Add(-2 * time.Hour), Partner: "City Bank", Actor: "partner:citybank", Action: "score.read", Scope: "score", Purpose: "credit_card", Outcome: "allowed"},
		{At: portaltest.Now.Add(-3 * time.Hour), Actor: "source:bank-cn", Action: "dispute.answer", Outcome: "allowed"},
	}, nil
}

func (accessWords) VerifyChain(context.Context, string) (portal.ChainStatus, error) {
	return portal.ChainStatus{OK: true, Entries: 16}, nil
}

func TestBrowserAccessLogInWords(t *testing.T) {
	b := newBrowser(t, func(c *portal.Config) { c.AccessLog = accessWords{} })
	b.login()
	b.do("access log", chromedp.Navigate(b.base+"/portal/access-log"), chromedp.WaitVisible(chromedp.CSS("#chain-status")))
	text := run(b, "text", chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	for _, raw := range []string{"purpose.", "operator:", "source:", "scope.", "access.action"} {
		if strings.Contains(text, raw) {
			t.Errorf("the access log shows a raw key %q:\n%s", raw, text)
		}
	}
	who := b.texts("td.who-looked")
	if len(who) != 3 || who[0] != "Sesame's operators" || who[1] != "City Bank" {
		t.Errorf("who looked = %q", who)
	}
	status := run(b, "status", chromedp.Text(chromedp.CSS("#chain-status")))
	if !strings.Contains(status, " 3 ") {
		t.Errorf("the tamper check counts other than the 3 entries listed: %q", status)
	}
	if more := run(b, "more", chromedp.Text(chromedp.CSS("#chain-more"))); !strings.Contains(more, "16") {
		t.Errorf("the page does not say the log holds 16 entries: %q", more)
	}
}

func TestBrowserConsentRequestAlone(t *testing.T) {
	b := newBrowser(t)
	b.login()
	b.do("approval link", chromedp.Navigate(b.base+"/portal/consents?request=req-9"), chromedp.WaitVisible(chromedp.CSS("#focus-approve")))
	if n := run(b, "no-pending", chromedp.Evaluate[int](`document.querySelectorAll("#no-pending").length`)); n != 0 {
		t.Error(`the page shows the request and says "No partner is asking for anything"`)
	}
	b.do("no other", chromedp.WaitVisible(chromedp.CSS("#no-other-pending")))
}

// referBenefits offers one product approved and one for manual review.
type referBenefits struct{}

func (referBenefits) Offers(_ context.Context, s *sesame.Score) ([]portal.Offer, error) {
	return []portal.Offer{
		{Product: "card", Name: "Platinum card", Partner: "City Bank", Decision: "approve", Summary: "credit line 20,000"},
		{Product: "fast", Name: "Fast review", Partner: "QuickLoan", Decision: "refer", Summary: "standard lane"},
	}, nil
}

func TestBrowserManualReviewNotApprovedColour(t *testing.T) {
	b := newBrowser(t, func(c *portal.Config) { c.Benefits = referBenefits{} })
	b.login()
	b.do("benefits", chromedp.Navigate(b.base+"/portal/benefits"), chromedp.WaitVisible(chromedp.CSS(`[data-decision="refer"]`)))
	colour := func(d string) string {
		return run(b, "colour", chromedp.Evaluate[string](`getComputedStyle(document.querySelector('[data-decision="`+d+`"]')).color`))
	}
	if a, r := colour("approve"), colour("refer"); a == r {
		t.Errorf(`"Manual review" is the same colour as "Approved" (%s)`, a)
	}
}

// The shipped products' amounts read as money: currency and grouping.
func TestBrowserBenefitAmountsAreMoney(t *testing.T) {
	catalog, err := policy.NewCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, func(c *portal.Config) { c.Benefits = portal.PolicyBenefits{Catalog: catalog} })
	b.login()
	b.do("benefits", chromedp.Navigate(b.base+"/portal/benefits"), chromedp.WaitVisible(chromedp.CSS("#h-now")))
	text := run(b, "text", chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if !strings.Contains(text, "CNY ") {
		t.Errorf("no amount on the benefits page names its currency:\n%s", text)
	}
	if m := regexp.MustCompile(`up to \d{4,}`).FindString(text); m != "" {
		t.Errorf("an amount without currency or grouping: %q", m)
	}
}

// insideSVG returns the radar labels whose box leaves the chart's box.
const radarLabelsOutside = `(() => {
  const svg = document.querySelector('svg[data-chart="radar"]').getBoundingClientRect();
  return [...document.querySelectorAll('svg[data-chart="radar"] text')].filter(t => {
    const r = t.getBoundingClientRect();
    return r.left < svg.left - 0.5 || r.right > svg.right + 0.5 || r.top < svg.top - 0.5 || r.bottom > svg.bottom + 0.5;
  }).map(t => t.textContent);
})()`

func TestBrowserRadarLabelsFit(t *testing.T) {
	b := newBrowser(t)
	b.login()
	for _, vp := range [][2]int64{{1280, 800}, {360, 740}, {390, 844}} {
		b.do("viewport", chromedp.EmulateViewport(vp[0], vp[1]), chromedp.Navigate(b.base+"/portal/"), chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="radar"]`)))
		if cut := run(b, "radar labels", chromedp.Evaluate[[]string](radarLabelsOutside)); len(cut) > 0 {
			t.Errorf("at %dx%d the radar cuts %q", vp[0], vp[1], cut)
		}
	}
}

func TestBrowserHistoryMonthly(t *testing.T) {
	b := newBrowser(t)
	b.login()
	pts := run(b, "points", chromedp.Evaluate[int](`document.querySelectorAll('svg[data-chart="history"] circle').length`))
	if pts < 2 {
		t.Fatalf("the history chart draws %d points; a line needs more", pts)
	}
	months := b.texts(`svg[data-chart="history"] text.month`)
	if len(months) < 2 {
		t.Errorf("the history chart names %d months under its axis: %q", len(months), months)
	}
	seen := map[string]bool{}
	for _, m := range months {
		if seen[m] {
			t.Errorf("month %q named twice", m)
		}
		seen[m] = true
	}
	if n := run(b, "history-start", chromedp.Evaluate[int](`document.querySelectorAll("#history-start").length`)); n != 0 {
		t.Error("a history of many months says it has one")
	}
	titles := b.texts(`svg[data-chart="history"] circle title`)
	monthsOf := map[string]bool{}
	for _, s := range titles {
		m, _, _ := strings.Cut(s, ":")
		if monthsOf[m] {
			t.Errorf("two points in %s: the chart is monthly", m)
		}
		monthsOf[m] = true
	}
}

// A person scored once sees one dot and is told the line grows monthly.
func TestBrowserHistoryOneMonth(t *testing.T) {
	b := newBrowser(t, func(c *portal.Config) {
		s := c.Scores.(*portaltest.Scores)
		s.Past["alice"] = s.Past["alice"][:1]
	})
	b.login()
	b.do("history start", chromedp.WaitVisible(chromedp.CSS("#history-start")))
}

func TestBrowserTimesInPersonZone(t *testing.T) {
	b := newBrowser(t)
	b.do("zone", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"})
		return err
	}))
	b.login() // the login page's script tells the server the browser's zone
	b.do("consents", chromedp.Navigate(b.base+"/portal/consents"), chromedp.WaitVisible(chromedp.CSS("#req-req-9")))
	when := run(b, "requested at", chromedp.Text(chromedp.CSS(`#req-req-9 td[data-label="Requested"]`)))
	want := portaltest.Now.Add(-2*time.Hour).In(time.FixedZone("", 8*3600)).Format("15:04") + " UTC+8"
	if !strings.HasSuffix(when, want) {
		t.Errorf("the request time reads %q, want it in Shanghai time (… %s)", when, want)
	}
}

// The visible controls on the page whose box leaves the viewport.
const controlsOutside = `(() => {
  const w = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main button, main a.button, main summary, main input:not([type=hidden]), main select, main textarea')]
    .filter(e => e.offsetParent !== null)
    .filter(e => { const r = e.getBoundingClientRect(); return r.left < -0.5 || r.right > w + 0.5 || r.width === 0; })
    .map(e => (e.id || e.textContent.trim() || e.name) + " [" + Math.round(e.getBoundingClientRect().left) + "," + Math.round(e.getBoundingClientRect().right) + "]");
})()`

// textOverflowing lists the blocks of text wider than their box (a long
// hash or link that does not wrap), outside the tables that scroll.
const textOverflowing = `[...document.querySelectorAll("main p, main li, main dd, main dt, main h1, main h2, main h3")]
  .filter(e => e.offsetParent !== null && !e.closest(".table-wrap") && e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.id || e.className || e.tagName) + ": " + e.textContent.trim().slice(0, 40))`

func TestBrowserPhoneEveryActionOnScreen(t *testing.T) {
	b := newBrowser(t)
	b.login()
	b.do("phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, page := range []struct{ path, wait string }{
		{"/portal/", `svg[data-chart="gauge"]`},
		{"/portal/consents", "#h-active"},
		{"/portal/consents?request=req-9", "#focus-approve"},
		{"/portal/data", "#h-events"},
		{"/portal/access-log", "#chain-status"},
		{"/portal/benefits", "#h-now"},
		{"/portal/share", "#issue-submit"},
		{"/portal/erase", "main"},
		{"/portal/account", "#sessions-h"},
	} {
		b.do(page.path, chromedp.Navigate(b.base+page.path), chromedp.WaitVisible(chromedp.CSS(page.wait)))
		// Open every "This is wrong" so its form's button is checked too.
		run(b, "open details", chromedp.Evaluate[int](`document.querySelectorAll("details").forEach(d => d.open = true), 0`))
		if w := run(b, "scroll width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
			t.Errorf("%s: the page is %d px wide on a 360 px screen", page.path, w)
		}
		wide := run(b, "table wraps", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".table-wrap")].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.parentElement.id || e.parentElement.getAttribute("aria-labelledby"))`))
		if len(wide) > 0 {
			t.Errorf("%s: tables scroll sideways on a phone: %q", page.path, wide)
		}
		if out := run(b, "controls", chromedp.Evaluate[[]string](controlsOutside)); len(out) > 0 {
			t.Errorf("%s: controls outside the 360 px screen: %q", page.path, out)
		}
		if out := run(b, "text", chromedp.Evaluate[[]string](textOverflowing)); len(out) > 0 {
			t.Errorf("%s: text runs out of its box on a 360 px screen: %q", page.path, out)
		}
	}
	// The named actions are there, each inside the screen.
	b.do("consents", chromedp.Navigate(b.base+"/portal/consents"), chromedp.WaitVisible(chromedp.CSS("#h-active")))
	for _, sel := range []string{"#req-req-9 button", "#consent-cons-1 button.danger"} {
		box := run(b, "box "+sel, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector(`+strconv.Quote(sel)+`).getBoundingClientRect(); return [r.left, r.right, r.width]; })()`))
		if box[0] < 0 || box[1] > 360 || box[2] < 44 {
			t.Errorf("%s: box %v is not inside the 360 px screen or is too small to tap", sel, box)
		}
	}
}

// tabTo presses Tab until the element with id has the focus.
func (b *browser) tabTo(id string) {
	b.t.Helper()
	for range 80 {
		if got := run(b, "focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)); got == id {
			return
		}
		b.do("tab", chromedp.KeyEvent(kb.Tab))
	}
	b.t.Fatalf("Tab never reaches #%s", id)
}

func TestBrowserKeyboardOnly(t *testing.T) {
	b := newBrowser(t)
	// Log in with the keyboard alone.
	b.do("login page", chromedp.Navigate(b.base+"/portal/login"), chromedp.WaitVisible(chromedp.CSS("#who")))
	b.tabTo("who")
	b.do("type", chromedp.KeyEvent("alice"), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#login-link")))
	b.tabTo("login-link")
	b.do("follow", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#login-confirm")))
	b.tabTo("login-confirm")
	b.do("confirm", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)))

	// Approve a partner's request.
	b.do("approval link", chromedp.Navigate(b.base+"/portal/consents?request=req-9"), chromedp.WaitVisible(chromedp.CSS("#focus-approve")))
	b.tabTo("focus-approve")
	b.do("approve", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#return-to-partner")))

	// Dispute an event: open "This is wrong", say why, submit.
	b.do("my data", chromedp.Navigate(b.base+"/portal/data"), chromedp.WaitVisible(chromedp.CSS("#h-events")))
	id := run(b, "first dispute", chromedp.Evaluate[string](`(() => { const s = document.querySelector("table.events details summary"); s.id = "kbd-dispute"; return s.parentElement.querySelector("input[name=reason]").id; })()`))
	b.tabTo("kbd-dispute")
	b.do("open", chromedp.KeyEvent(kb.Enter))
	b.tabTo(id)
	b.do("why", chromedp.KeyEvent("Not my bill"), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if f := run(b, "flash", chromedp.Text(chromedp.CSS(".flash"))); f == "" {
		t.Error("no confirmation after a keyboard-only dispute")
	}
}
