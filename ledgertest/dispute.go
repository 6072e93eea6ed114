package ledgertest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// RunDisputes holds a DisputeStore to its contract: disputes open only on
// the person's own events, idempotently; evidence moves the deadline to 45
// days; the deadline suppresses what is unanswered; a source answers once;
// and scoring reads leave out what stopped counting.
func RunDisputes(t *testing.T, open func(t *testing.T) (Store, sesame.DisputeStore)) {
	ctx := context.Background()
	events, ds := open(t)
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	var evs []sesame.Event
	for i, id := range []string{"e1", "e2", "e3", "e4"} {
		evs = append(evs, NewEvent("bank", id, "alice", sesame.KindPaymentMade, t0.Add(time.Duration(i)*time.Hour), i))
	}
	mustAppend(t, events, evs...)
	key := func(id string) sesame.EventKey { return sesame.EventKey{Source: "bank", ID: id} }

	if _, err := ds.OpenDispute(ctx, "bob", key("e1"), "not mine", "", t0); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("disputing another's event: %v, want not_found", err)
	}
	d, err := ds.OpenDispute(ctx, "alice", key("e1"), "never happened", "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != sesame.DisputeOpen || !d.Deadline.Equal(t0.Add(sesame.DisputeWindow)) || d.Person != "alice" {
		t.Fatalf("opened %+v", d)
	}
	again, err := ds.OpenDispute(ctx, "alice", key("e1"), "again", "", t0.Add(time.Hour))
	if err != nil || !again.OpenedAt.Equal(d.OpenedAt) || again.Reason != "never happened" {
		t.Fatalf("a second open: %+v, %v; want the first unchanged", again, err)
	}
	if d, err = ds.AddEvidence(ctx, "alice", key("e1"), "bank letter", t0.Add(24*time.Hour)); err != nil || !d.Deadline.Equal(t0.Add(sesame.DisputeWindowWithInfo)) || d.Evidence != "bank letter" {
		t.Fatalf("evidence: %+v, %v; want the deadline at 45 days", d, err)
	}
	if _, err := ds.OpenDispute(ctx, "alice", key("e2"), "wrong amount", "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := ds.OpenDispute(ctx, "alice", key("e3"), "paid twice", "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := ds.OpenDispute(ctx, "alice", key("e4"), "duplicate", "", t0); err != nil {
		t.Fatal(err)
	}

	// The source answers: verified counts, deleted does not; once only.
	if d, err = ds.AnswerDispute(ctx, key("e2"), sesame.DisputeVerified, "statement attached", t0.Add(48*time.Hour)); err != nil || d.Status != sesame.DisputeVerified || !d.Counts() {
		t.Fatalf("verified: %+v, %v", d, err)
	}
	if _, err := ds.AnswerDispute(ctx, key("e2"), sesame.DisputeDeleted, "", t0.Add(49*time.Hour)); sesame.ErrorCode(err) != sesame.ECONFLICT {
		t.Fatalf("a second answer: %v, want conflict", err)
	}
	if d, err = ds.AnswerDispute(ctx, key("e3"), sesame.DisputeDeleted, "our error", t0.Add(48*time.Hour)); err != nil || d.Counts() {
		t.Fatalf("deleted: %+v, %v", d, err)
	}
	if _, err := ds.AnswerDispute(ctx, sesame.EventKey{Source: "shop", ID: "e4"}, sesame.DisputeVerified, "", t0); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("answering a dispute of another source's event: %v, want not_found", err)
	}

	// The deadline: at 30 days e4 is suppressed; e1 has until 45.
	if got, err := ds.ExpireDisputes(ctx, t0.Add(sesame.DisputeWindow-time.Second)); err != nil || len(got) != 0 {
		t.Fatalf("before the deadline: %+v, %v", got, err)
	}
	got, err := ds.ExpireDisputes(ctx, t0.Add(sesame.DisputeWindow))
	if err != nil || len(got) != 1 || got[0].EventID != "e4" || got[0].Status != sesame.DisputeExpired {
		t.Fatalf("at 30 days: %+v, %v; want e4 suppressed", got, err)
	}
	if got, err = ds.ExpireDisputes(ctx, t0.Add(sesame.DisputeWindowWithInfo)); err != nil || len(got) != 1 || got[0].EventID != "e1" {
		t.Fatalf("at 45 days: %+v, %v; want e1 suppressed", got, err)
	}
	if _, err := ds.AnswerDispute(ctx, key("e1"), sesame.DisputeVerified, "late", t0.Add(50*24*time.Hour)); sesame.ErrorCode(err) != sesame.ECONFLICT {
		t.Fatalf("an answer after the deadline: %v, want conflict", err)
	}

	list, err := ds.DisputesAfter(ctx, "alice", "", sesame.Position{}, 10)
	if err != nil || len(list) != 4 {
		t.Fatalf("alice's disputes: %d, %v", len(list), err)
	}
	if list, err := ds.DisputesAfter(ctx, "", "bank", sesame.Position{}, 10); err != nil || len(list) != 4 {
		t.Fatalf("bank's disputes: %d, %v", len(list), err)
	}
	if open, err := ds.HasOpenDispute(ctx, "alice"); err != nil || open {
		t.Fatalf("alice has an open dispute: %v, %v; want none, all four answered or suppressed", open, err)
	}

	// Scoring reads leave out e1 (suppressed), e3 (deleted) and e4; the
	// person's own reading keeps all four.
	page, err := events.Events(ctx, sesame.EventFilter{Person: "alice", ForScoring: true})
	if err != nil {
		t.Fatal(err)
	}
	if ids := keys(page.Events); len(ids) != 1 || ids[0] != "bank/e2" {
		t.Fatalf("scoring read %v, want only bank/e2", ids)
	}
	if page, err = events.Events(ctx, sesame.EventFilter{Person: "alice"}); err != nil || len(page.Events) != 4 {
		t.Fatalf("the person's read: %d events, %v", len(page.Events), err)
	}
	{
		var seen []string
		if err := events.ScanPeople(ctx, "", time.Time{}, func(person string, evs []sesame.Event) error {
			seen = append(seen, keys(evs)...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || seen[0] != "bank/e2" {
			t.Fatalf("ScanPeople read %v, want only bank/e2", seen)
		}
	}
	runDisputePages(t, events, ds)
}

// runDisputePages holds DisputesAfter to the paging contract: a person's
// and a source's list, read a page at a time, give every dispute once in
// the order newest first, then source and event id (ties at one instant
// included), and a dispute opened meanwhile causes no repeat or gap.
func runDisputePages(t *testing.T, events Store, ds sesame.DisputeStore) {
	ctx := context.Background()
	t1 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var evs []sesame.Event
	opened := map[sesame.EventKey]time.Time{}
	for i := range 9 {
		source := []string{"shop", "bank"}[i%2]
		e := NewEvent(source, fmt.Sprintf("c%d", i), "carol", sesame.KindPaymentMade, t1.Add(-time.Duration(i+1)*time.Hour), i)
		evs = append(evs, e)
		// Three share an instant, so the order within it is by source
		// and event id.
		opened[e.Key()] = t1.Add(time.Duration(min(i, 3)) * time.Minute)
	}
	mustAppend(t, events, evs...)
	for _, e := range evs {
		if _, err := ds.OpenDispute(ctx, "carol", e.Key(), "not mine", "", opened[e.Key()]); err != nil {
			t.Fatal(err)
		}
	}
	if open, err := ds.HasOpenDispute(ctx, "carol"); err != nil || !open {
		t.Fatalf("carol's open disputes: %v, %v; want some", open, err)
	}
	if open, err := ds.HasOpenDispute(ctx, "dave"); err != nil || open {
		t.Fatalf("a person without disputes has an open one: %v, %v", open, err)
	}
	order := func(person, source string) []string {
		var want []sesame.Event
		for _, e := range evs {
			if source == "" || e.Source == source {
				want = append(want, e)
			}
		}
		sort.Slice(want, func(i, j int) bool {
			a, b := opened[want[i].Key()], opened[want[j].Key()]
			if !a.Equal(b) {
				return a.After(b)
			}
			if want[i].Source != want[j].Source {
				return want[i].Source < want[j].Source
			}
			return want[i].ID < want[j].ID
		})
		return keys(want)
	}
	for _, c := range []struct{ person, source string }{{"carol", ""}, {"", "shop"}} {
		whole, err := ds.DisputesAfter(ctx, c.person, c.source, sesame.Position{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := disputeKeys(whole), order(c.person, c.source); !slices.Equal(got, want) {
			t.Fatalf("%s%s's disputes %v, want %v", c.person, c.source, got, want)
		}
		for _, size := range []int{1, 2, 3} {
			var got []string
			var after sesame.Position
			for {
				page, err := ds.DisputesAfter(ctx, c.person, c.source, after, size)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > size {
					t.Fatalf("a page of %d disputes, asked for %d", len(page), size)
				}
				got = append(got, disputeKeys(page)...)
				if len(page) < size {
					break
				}
				if len(got) > len(evs) {
					t.Fatalf("%s%s's disputes in pages of %d never end: %v", c.person, c.source, size, got)
				}
				after = page[len(page)-1].Position()
			}
			if want := order(c.person, c.source); !slices.Equal(got, want) {
				t.Fatalf("%s%s's disputes in pages of %d: %v, want %v", c.person, c.source, size, got, want)
			}
		}
	}
	// A dispute opened between two pages is newer than the cursor: the
	// next page goes on without repeating or skipping.
	first, err := ds.DisputesAfter(ctx, "carol", "", sesame.Position{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	late := NewEvent("bank", "c-late", "carol", sesame.KindPaymentMade, t1, 99)
	mustAppend(t, events, late)
	if _, err := ds.OpenDispute(ctx, "carol", late.Key(), "not mine", "", t1.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	rest, err := ds.DisputesAfter(ctx, "carol", "", first[len(first)-1].Position(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := append(disputeKeys(first), disputeKeys(rest)...), order("carol", ""); !slices.Equal(got, want) {
		t.Fatalf("paged across a new dispute: %v, want %v", got, want)
	}
}

// disputeKeys lists the disputes' events as source/id.
func disputeKeys(ds []sesame.Dispute) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Source + "/" + d.EventID
	}
	return out
}
