package http

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/dispute"
)

const personToken = "alice-session-token"

func TestDisputeRoutes(t *testing.T) {
	ts := newTestServer(t, Config{})
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	ts.srv.Disputes = &dispute.Service{Store: ts.db.Disputes(), Now: func() time.Time { return now }}
	ts.srv.Auth.AddToken(personToken, Principal{Role: RolePerson, Name: "alice"})
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(
		eventLine(t, "bank", "e1", "alice", sesame.KindPaymentMade, at, 1),
		eventLine(t, "bank", "e2", "bob", sesame.KindPaymentMade, at, 2))))

	post := func(token, path, body string) (int, string) {
		w := ts.do("POST", path, token, "application/json", strings.NewReader(body))
		return w.Code, w.Body.String()
	}
	code, body := post(personToken, "/v1/me/disputes", `{"source":"bank","event_id":"e1","reason":"I was abroad"}`)
	if code != 201 {
		t.Fatalf("open: %d %s", code, body)
	}
	var d sesame.Dispute
	json.Unmarshal([]byte(body), &d)
	if d.Status != sesame.DisputeOpen || !d.Deadline.Equal(now.Add(sesame.DisputeWindow)) {
		t.Fatalf("opened %+v", d)
	}
	// Another person's record is not found; a missing reason names the field.
	if code, body := post(personToken, "/v1/me/disputes", `{"source":"bank","event_id":"e2","reason":"x"}`); code != 404 {
		t.Errorf("bob's event: %d %s", code, body)
	}
	e := errorAnswer(t, ts.do("POST", "/v1/me/disputes", personToken, "application/json", strings.NewReader(`{"source":"bank","event_id":"e1"}`)), 400, sesame.EINVALID)
	if !strings.Contains(e.Message, "reason") {
		t.Errorf("message %q does not name reason", e.Message)
	}
	if code, body := post(personToken, "/v1/me/disputes/bank/e1/evidence", `{"evidence":"passport stamps"}`); code != 200 || !strings.Contains(body, now.Add(sesame.DisputeWindowWithInfo).Format(time.RFC3339)) {
		t.Errorf("evidence: %d %s", code, body)
	}
	// The source sees and answers its own; not another's.
	if w := ts.do("GET", "/v1/sources/bank/disputes", sourceToken, "", nil); w.Code != 200 || !strings.Contains(w.Body.String(), `"event_id":"e1"`) {
		t.Errorf("source list: %d %s", w.Code, w.Body)
	}
	if code, _ := post(sourceToken, "/v1/sources/shop/disputes/e1/answer", `{"answer":"verified"}`); code != 403 {
		t.Errorf("another source's answer: %d", code)
	}
	e = errorAnswer(t, ts.do("POST", "/v1/sources/bank/disputes/e1/answer", sourceToken, "application/json", strings.NewReader(`{"answer":"maybe"}`)), 400, sesame.EINVALID)
	if !strings.Contains(e.Message, "answer") {
		t.Errorf("message %q does not name answer", e.Message)
	}
	if code, body := post(sourceToken, "/v1/sources/bank/disputes/e1/answer", `{"answer":"deleted","note":"our error"}`); code != 200 || !strings.Contains(body, `"status":"deleted"`) {
		t.Fatalf("answer: %d %s", code, body)
	}
	if code, _ := post(sourceToken, "/v1/sources/bank/disputes/e1/answer", `{"answer":"verified"}`); code != 409 {
		t.Errorf("a second answer: %d, want 409", code)
	}
	w := ts.do("GET", "/v1/me/disputes", personToken, "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"deleted"`) || !strings.Contains(w.Body.String(), `"note":"our error"`) {
		t.Errorf("my disputes: %d %s", w.Code, w.Body)
	}
	// The deleted record is gone from scoring reads, kept in the person's.
	page, err := ts.db.Events().Events(context.Background(), sesame.EventFilter{Person: "alice", ForScoring: true})
	if err != nil || len(page.Events) != 0 {
		t.Errorf("scoring read after deletion: %d events, %v", len(page.Events), err)
	}
}

// While a dispute is open, partners' reads about the person say so.
func TestPartnerReadsCarryDisputed(t *testing.T) {
	ts := newTrustServer(t, false)
	ctx := context.Background()
	ts.srv.Disputes = &dispute.Service{Store: ts.db.Disputes()}
	key := ts.addPartner("rentco")
	ts.score("p1", 690)
	ts.consent("p1", "rentco", sesame.PurposeRental, sesame.ScopeScore, ts.now.Add(-time.Hour), ts.now.Add(24*time.Hour), time.Time{})
	e := sesame.Event{Version: sesame.EnvelopeVersion, Source: "bank", ID: "e1", Person: "p1", Kind: sesame.KindPaymentMade,
		OccurredAt: ts.now.Add(-48 * time.Hour), Payload: &sesame.PaymentMade{Amount: sesame.Money{Amount: 100, Currency: "CNY"}, MerchantCategory: "groceries", Channel: "app"}}
	if _, err := ts.db.Events().Append(ctx, []sesame.Event{e}); err != nil {
		t.Fatal(err)
	}
	read := func(path string) string {
		a := ts.do("GET", path, key, "")
		if a.status != 200 {
			t.Fatalf("%s: %d %s", path, a.status, a.body)
		}
		return a.body
	}
	if b := read("/v1/partner/people/p1/score"); strings.Contains(b, "disputed") {
		t.Fatalf("no dispute yet: %s", b)
	}
	if _, err := ts.srv.Disputes.Open(ctx, "p1", e.Key(), "not mine", ""); err != nil {
		t.Fatal(err)
	}
	if b := read("/v1/partner/people/p1/score"); !strings.Contains(b, `"disputed":true`) {
		t.Errorf("score read while disputed: %s", b)
	}
	if b := read("/v1/partner/people/p1/threshold?min=600"); !strings.Contains(b, `"disputed":true`) {
		t.Errorf("threshold check while disputed: %s", b)
	}
	if _, err := ts.srv.Disputes.Answer(ctx, e.Key(), sesame.DisputeVerified, "on file"); err != nil {
		t.Fatal(err)
	}
	if b := read("/v1/partner/people/p1/score"); strings.Contains(b, "disputed") {
		t.Errorf("answered, still marked: %s", b)
	}
}

// The person's inbox holds every step of their disputes.
func TestMyNotices(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.srv.Disputes = &dispute.Service{Store: ts.db.Disputes()}
	ts.srv.Outbox = ts.db.Outbox()
	ts.srv.Auth.AddToken(personToken, Principal{Role: RolePerson, Name: "alice"})
	decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(eventLine(t, "bank", "e1", "alice", sesame.KindPaymentMade, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), 1))))
	if w := ts.do("POST", "/v1/me/disputes", personToken, "application/json", strings.NewReader(`{"source":"bank","event_id":"e1","reason":"not mine"}`)); w.Code != 201 {
		t.Fatalf("open: %d %s", w.Code, w.Body)
	}
	if w := ts.do("POST", "/v1/sources/bank/disputes/e1/answer", sourceToken, "application/json", strings.NewReader(`{"answer":"verified"}`)); w.Code != 200 {
		t.Fatalf("answer: %d %s", w.Code, w.Body)
	}
	w := ts.do("GET", "/v1/me/notices", personToken, "", nil)
	var inbox struct {
		Notices []sesame.Notice `json:"notices"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &inbox); err != nil || len(inbox.Notices) != 2 || inbox.Notices[0].Topic != "dispute.answered" || inbox.Notices[1].Topic != "dispute.opened" {
		t.Fatalf("inbox %d %s", w.Code, w.Body)
	}
}

// A source's dispute list and a person's are paged by the store from the
// cursor (keyset), newest first and then by source and event id: walked
// two at a time, each gives every dispute once, in order.
func TestDisputeListsPage(t *testing.T) {
	ts := newTestServer(t, Config{})
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	ts.srv.Disputes = &dispute.Service{Store: ts.db.Disputes(), Now: func() time.Time { return now }}
	ts.srv.Auth.AddToken(personToken, Principal{Role: RolePerson, Name: "alice"})
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var lines []string
	for i, id := range []string{"e1", "e2", "e3", "e4", "e5"} {
		lines = append(lines, eventLine(t, "bank", id, "alice", sesame.KindPaymentMade, at, i+1))
	}
	decodeIngest(t, ts.ingest("application/x-ndjson", ndjson(lines...)))
	// e2 and e4 are opened at the same instant, the rest a minute apart.
	for _, id := range []string{"e1", "e2", "e4", "e3", "e5"} {
		w := ts.do("POST", "/v1/me/disputes", personToken, "application/json", strings.NewReader(`{"source":"bank","event_id":"`+id+`","reason":"not mine"}`))
		if w.Code != 201 {
			t.Fatalf("open %s: %d %s", id, w.Code, w.Body)
		}
		if id != "e2" {
			now = now.Add(time.Minute)
		}
	}
	get := func(token string) func(string) (int, string) {
		return func(target string) (int, string) {
			w := ts.do("GET", target, token, "", nil)
			return w.Code, w.Body.String()
		}
	}
	const want = "e5,e3,e2,e4,e1"
	if got := strings.Join(walk(t, get(sourceToken), "/v1/sources/bank/disputes", "disputes", "event_id"), ","); got != want {
		t.Errorf("the source's disputes, two a page: %s, want %s", got, want)
	}
	if got := strings.Join(walk(t, get(personToken), "/v1/me/disputes", "disputes", "event_id"), ","); got != want {
		t.Errorf("the person's disputes, two a page: %s, want %s", got, want)
	}
}
