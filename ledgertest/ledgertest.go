// Package ledgertest is the contract every sesame.EventStore and
// sesame.EventScanner must meet, written once and run against each
// implementation (sqlite, postgres) from that implementation's tests:
//
//	func TestLedger(t *testing.T) {
//		ledgertest.Run(t, func(t *testing.T) ledgertest.Store { return openFresh(t) })
//	}
//
// It also generates valid, mixed events for tests and benchmarks.
package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// Store is what the suite tests: the ledger and its person-by-person scan.
type Store interface {
	sesame.EventStore
	sesame.EventScanner
}

// Run runs the contract suite. open must return an empty store that lives
// until the test ends (register its cleanup with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"AppendAndRead", testAppendAndRead},
		{"EveryKindRoundTrips", testEveryKind},
		{"Duplicate", testDuplicate},
		{"Conflict", testConflict},
		{"MixedBatch", testMixedBatch},
		{"Ordering", testOrdering},
		{"Filters", testFilters},
		{"Pagination", testPagination},
		{"BadRequests", testBadRequests},
		{"RecordedBefore", testRecordedBefore},
		{"ScanPeople", testScanPeople},
		{"ConcurrentAppends", testConcurrentAppends},
		{"ConcurrentOppositeOrders", testOppositeOrders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each test has a store of its own
			tt.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

func mustAppend(t *testing.T, s Store, events ...sesame.Event) []sesame.AppendResult {
	t.Helper()
	res, err := s.Append(ctx, events)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if len(res) != len(events) {
		t.Fatalf("Append returned %d results for %d events", len(res), len(events))
	}
	return res
}

func statuses(res []sesame.AppendResult) []sesame.AppendStatus {
	out := make([]sesame.AppendStatus, len(res))
	for i, r := range res {
		out[i] = r.Status
	}
	return out
}

func allEvents(t *testing.T, s Store, f sesame.EventFilter) []sesame.Event {
	t.Helper()
	var out []sesame.Event
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatal("pagination does not end")
		}
		page, err := s.Events(ctx, f)
		if err != nil {
			t.Fatalf("Events(%+v): %v", f, err)
		}
		out = append(out, page.Events...)
		if page.Next == "" {
			return out
		}
		f.Cursor = page.Next
	}
}

func keys(events []sesame.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Source + "/" + e.ID
	}
	return out
}

// sameEvent compares what a source sent with what the store gives back:
// everything but RecordedAt, times as instants and zone offsets.
func sameEvent(t *testing.T, got, want sesame.Event) {
	t.Helper()
	if got.Source != want.Source || got.ID != want.ID || got.Person != want.Person || got.Kind != want.Kind || got.Version != want.Version {
		t.Errorf("envelope: got %s/%s %s %s v%d, want %s/%s %s %s v%d", got.Source, got.ID, got.Person, got.Kind, got.Version,
			want.Source, want.ID, want.Person, want.Kind, want.Version)
	}
	if !got.OccurredAt.Equal(want.OccurredAt) {
		t.Errorf("%s occurred_at = %v, want %v", want.ID, got.OccurredAt, want.OccurredAt)
	}
	_, go1 := got.OccurredAt.Zone()
	_, wo := want.OccurredAt.Zone()
	if go1 != wo {
		t.Errorf("%s occurred_at offset = %d s, want %d s (the zone it was sent with)", want.ID, go1, wo)
	}
	if got.RecordedAt.IsZero() {
		t.Errorf("%s recorded_at not set", want.ID)
	}
	gp, _, err1 := got.Canonical()
	wp, _, err2 := want.Canonical()
	if err1 != nil || err2 != nil || string(gp) != string(wp) {
		t.Errorf("%s payload = %s, want %s", want.ID, gp, wp)
	}
	if reflect.TypeOf(got.Payload) != reflect.TypeOf(want.Payload) {
		t.Errorf("%s payload type = %T, want %T", want.ID, got.Payload, want.Payload)
	}
}

func testAppendAndRead(t *testing.T, s Store) {
	shanghai := time.FixedZone("", 8*3600)
	e1 := NewEvent("bank", "e1", "alice", sesame.KindPaymentMade, Base.In(shanghai), 1)
	e2 := NewEvent("bank", "e2", "alice", sesame.KindStatementIssued, Base.Add(time.Hour), 2)
	e3 := NewEvent("bank", "e3", "bob", sesame.KindPaymentMade, Base, 3)
	before := time.Now()
	res := mustAppend(t, s, e1, e2, e3)
	for i, r := range res {
		if r.Status != sesame.Accepted {
			t.Errorf("event %d: status %s, want accepted", i, r.Status)
		}
		if r.RecordedAt.Before(before.Add(-time.Second)) || r.RecordedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("event %d: recorded_at %v is not now", i, r.RecordedAt)
		}
	}
	got := allEvents(t, s, sesame.EventFilter{Person: "alice"})
	if len(got) != 2 {
		t.Fatalf("alice has %d events, want 2", len(got))
	}
	sameEvent(t, got[0], e1)
	sameEvent(t, got[1], e2)
	if none := allEvents(t, s, sesame.EventFilter{Person: "nobody"}); len(none) != 0 {
		t.Errorf("unknown person has %d events", len(none))
	}
}

func testEveryKind(t *testing.T, s Store) {
	var sent []sesame.Event
	for i, k := range sesame.Kinds() {
		e := NewEvent("src", fmt.Sprintf("k%02d", i), "carol", k, Base.Add(time.Duration(i)*time.Minute), i)
		if err := e.Validate(time.Now()); err != nil {
			t.Fatalf("generated %s is invalid: %v", k, err)
		}
		sent = append(sent, e)
	}
	mustAppend(t, s, sent...)
	got := allEvents(t, s, sesame.EventFilter{Person: "carol", Limit: 1000})
	if len(got) != len(sent) {
		t.Fatalf("got %d events, want %d", len(got), len(sent))
	}
	for i := range sent {
		sameEvent(t, got[i], sent[i])
	}
}

func testDuplicate(t *testing.T, s Store) {
	e := NewEvent("bank", "d1", "dave", sesame.KindPaymentMade, Base, 1)
	first := mustAppend(t, s, e)
	// The same fact written with another zone offset is the same instant: a duplicate.
	again := e
	again.OccurredAt = e.OccurredAt.In(time.FixedZone("", -5*3600))
	second := mustAppend(t, s, again)
	if second[0].Status != sesame.Duplicate {
		t.Fatalf("second append: %s, want duplicate", second[0].Status)
	}
	if !second[0].RecordedAt.Equal(first[0].RecordedAt) {
		t.Errorf("duplicate recorded_at %v, want the first recording %v", second[0].RecordedAt, first[0].RecordedAt)
	}
	if got := allEvents(t, s, sesame.EventFilter{Person: "dave"}); len(got) != 1 {
		t.Errorf("stored %d events, want 1", len(got))
	}
}

func testConflict(t *testing.T, s Store) {
	e := NewEvent("bank", "c1", "erin", sesame.KindPaymentMade, Base, 1)
	mustAppend(t, s, e)
	changes := map[string]func(e *sesame.Event){
		"payload":     func(e *sesame.Event) { e.Payload = Payload(e.Kind, e.Person, e.OccurredAt, 2) },
		"occurred_at": func(e *sesame.Event) { e.OccurredAt = e.OccurredAt.Add(time.Second) },
		"person":      func(e *sesame.Event) { e.Person = "frank" },
		"kind": func(e *sesame.Event) {
			e.Kind = sesame.KindRepaymentMade
			e.Payload = Payload(e.Kind, e.Person, e.OccurredAt, 1)
		},
	}
	for name, change := range changes {
		c := e
		change(&c)
		if got := mustAppend(t, s, c); got[0].Status != sesame.Conflict {
			t.Errorf("changed %s: %s, want conflict", name, got[0].Status)
		}
	}
	got := allEvents(t, s, sesame.EventFilter{Person: "erin"})
	if len(got) != 1 {
		t.Fatalf("stored %d events, want 1", len(got))
	}
	sameEvent(t, got[0], e)
	if other := allEvents(t, s, sesame.EventFilter{Person: "frank"}); len(other) != 0 {
		t.Errorf("a conflicting event was stored under its new person")
	}
}

func testMixedBatch(t *testing.T, s Store) {
	old := NewEvent("shop", "m1", "gina", sesame.KindOrderPlaced, Base, 1)
	mustAppend(t, s, old)
	conflicting := old
	conflicting.Payload = Payload(old.Kind, old.Person, old.OccurredAt, 99)
	fresh := NewEvent("shop", "m2", "gina", sesame.KindOrderPaid, Base.Add(time.Hour), 2)
	sameKeyOtherSource := NewEvent("bank", "m1", "gina", sesame.KindPaymentMade, Base.Add(2*time.Hour), 3)
	inBatchConflict := fresh
	inBatchConflict.Payload = Payload(fresh.Kind, fresh.Person, fresh.OccurredAt, 77)
	res := mustAppend(t, s, old, fresh, conflicting, fresh, sameKeyOtherSource, inBatchConflict)
	want := []sesame.AppendStatus{sesame.Duplicate, sesame.Accepted, sesame.Conflict, sesame.Duplicate, sesame.Accepted, sesame.Conflict}
	if got := statuses(res); !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if !res[3].RecordedAt.Equal(res[1].RecordedAt) {
		t.Errorf("in-batch duplicate recorded_at %v, want %v", res[3].RecordedAt, res[1].RecordedAt)
	}
	got := keys(allEvents(t, s, sesame.EventFilter{Person: "gina"}))
	if want := []string{"shop/m1", "shop/m2", "bank/m1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("stored %v, want %v", got, want)
	}
}

func testOrdering(t *testing.T, s Store) {
	// Appended out of time order, in two batches; three share one instant
	// and must come back in append (ledger) order.
	same := Base.Add(10 * time.Hour)
	mustAppend(t, s,
		NewEvent("s", "late", "hank", sesame.KindPaymentMade, Base.Add(20*time.Hour), 1),
		NewEvent("s", "tie-a", "hank", sesame.KindPaymentMade, same, 2),
		NewEvent("s", "early", "hank", sesame.KindPaymentMade, Base, 3),
	)
	mustAppend(t, s,
		NewEvent("s", "tie-b", "hank", sesame.KindPaymentMade, same.In(time.FixedZone("", 3600)), 4),
		NewEvent("s", "tie-c", "hank", sesame.KindPaymentMade, same, 5),
	)
	want := []string{"s/early", "s/tie-a", "s/tie-b", "s/tie-c", "s/late"}
	for _, limit := range []int{0, 1, 2} {
		got := keys(allEvents(t, s, sesame.EventFilter{Person: "hank", Limit: limit}))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("limit %d: order %v, want %v", limit, got, want)
		}
	}
}

func testFilters(t *testing.T, s Store) {
	var batch []sesame.Event
	kinds := []sesame.Kind{sesame.KindPaymentMade, sesame.KindBillIssued, sesame.KindBillPaid}
	for i := 0; i < 30; i++ {
		batch = append(batch, NewEvent("s", fmt.Sprintf("f%02d", i), "iris", kinds[i%3], Base.Add(time.Duration(i)*time.Hour), i))
	}
	batch = append(batch, NewEvent("s", "other", "jack", sesame.KindPaymentMade, Base, 1))
	mustAppend(t, s, batch...)
	at := func(h int) time.Time { return Base.Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name string
		f    sesame.EventFilter
		want int
	}{
		{"all", sesame.EventFilter{}, 30},
		{"one kind", sesame.EventFilter{Kinds: []sesame.Kind{sesame.KindBillPaid}}, 10},
		{"two kinds", sesame.EventFilter{Kinds: []sesame.Kind{sesame.KindBillPaid, sesame.KindPaymentMade}}, 20},
		{"from inclusive", sesame.EventFilter{From: at(10)}, 20},
		{"to exclusive", sesame.EventFilter{To: at(10)}, 10},
		{"window", sesame.EventFilter{From: at(5), To: at(15)}, 10},
		{"window and kind", sesame.EventFilter{From: at(5), To: at(15), Kinds: []sesame.Kind{sesame.KindPaymentMade}}, 3},
		{"from in another zone", sesame.EventFilter{From: at(10).In(time.FixedZone("", 8*3600))}, 20},
		{"empty window", sesame.EventFilter{From: at(15), To: at(5)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			f.Person = "iris"
			f.Limit = 7 // force several pages under every filter
			got := allEvents(t, s, f)
			if len(got) != tt.want {
				t.Fatalf("%d events, want %d", len(got), tt.want)
			}
			for _, e := range got {
				if len(f.Kinds) > 0 && !containsKind(f.Kinds, e.Kind) {
					t.Errorf("%s has kind %s outside the filter", e.ID, e.Kind)
				}
				if (!f.From.IsZero() && e.OccurredAt.Before(f.From)) || (!f.To.IsZero() && !e.OccurredAt.Before(f.To)) {
					t.Errorf("%s at %v is outside the window", e.ID, e.OccurredAt)
				}
			}
		})
	}
}

func containsKind(ks []sesame.Kind, k sesame.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func testPagination(t *testing.T, s Store) {
	var batch []sesame.Event
	for i := 0; i < 1234; i++ {
		batch = append(batch, NewEvent("s", fmt.Sprintf("p%04d", i), "kate", sesame.KindPaymentMade, Base.Add(time.Duration(i%500)*time.Minute), i))
	}
	mustAppend(t, s, batch...)
	tests := []struct {
		limit, firstPage int
	}{
		{0, 100},     // the default
		{1, 1},       //
		{333, 333},   //
		{1000, 1000}, // the cap
		{5000, 1000}, // above the cap
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.limit), func(t *testing.T) {
			page, err := s.Events(ctx, sesame.EventFilter{Person: "kate", Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Events) != tt.firstPage || page.Next == "" {
				t.Fatalf("first page: %d events, next %q; want %d and a cursor", len(page.Events), page.Next, tt.firstPage)
			}
			got := allEvents(t, s, sesame.EventFilter{Person: "kate", Limit: tt.limit})
			if len(got) != len(batch) {
				t.Fatalf("pages hold %d events, want %d", len(got), len(batch))
			}
			seen := map[string]bool{}
			for i, e := range got {
				if seen[e.ID] {
					t.Fatalf("%s on two pages", e.ID)
				}
				seen[e.ID] = true
				if i > 0 && e.OccurredAt.Before(got[i-1].OccurredAt) {
					t.Fatalf("%s out of order", e.ID)
				}
			}
		})
	}
	// A page that ends exactly at the last event has no next cursor.
	page, err := s.Events(ctx, sesame.EventFilter{Person: "kate", Limit: 1000, From: Base.Add(499 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 2 || page.Next != "" {
		t.Errorf("exact last page: %d events, next %q; want 2 and no cursor", len(page.Events), page.Next)
	}
	// Events appended after a cursor was issued show up on later pages.
	page, _ = s.Events(ctx, sesame.EventFilter{Person: "kate", Limit: 999})
	mustAppend(t, s, NewEvent("s", "later", "kate", sesame.KindPaymentMade, Base.Add(1000*time.Hour), 1))
	rest := allEvents(t, s, sesame.EventFilter{Person: "kate", Limit: 999, Cursor: page.Next})
	if n := len(rest); n != 1234+1-999 || rest[n-1].ID != "later" {
		t.Errorf("after a new append the rest holds %d events, the last %s", n, rest[n-1].ID)
	}
}

func testBadRequests(t *testing.T, s Store) {
	tests := []struct {
		name string
		f    sesame.EventFilter
	}{
		{"no person", sesame.EventFilter{}},
		{"garbage cursor", sesame.EventFilter{Person: "x", Cursor: "not-a-cursor"}},
		{"truncated cursor", sesame.EventFilter{Person: "x", Cursor: sesame.Cursor{OccurredAt: 1, Seq: 2}.Encode()[:10]}},
		{"negative limit", sesame.EventFilter{Person: "x", Limit: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Events(ctx, tt.f)
			if code := sesame.ErrorCode(err); code != sesame.EINVALID {
				t.Errorf("error %v (code %q), want code invalid", err, code)
			}
		})
	}
	bad := NewEvent("s", "", "x", sesame.KindPaymentMade, Base, 1)
	if _, err := s.Append(ctx, []sesame.Event{bad}); sesame.ErrorCode(err) != sesame.EINVALID {
		t.Errorf("append of an event without id: %v, want an invalid error", err)
	}
	if res, err := s.Append(ctx, nil); err != nil || len(res) != 0 {
		t.Errorf("empty append: %v, %v", res, err)
	}
}

func testRecordedBefore(t *testing.T, s Store) {
	mustAppend(t, s, NewEvent("s", "r1", "liam", sesame.KindPaymentMade, Base.Add(time.Hour), 1),
		NewEvent("s", "r1b", "mona", sesame.KindPaymentMade, Base, 1))
	time.Sleep(20 * time.Millisecond)
	cut := time.Now()
	time.Sleep(20 * time.Millisecond)
	// Recorded later but occurred earlier: a late-arriving fact.
	mustAppend(t, s, NewEvent("s", "r2", "liam", sesame.KindPaymentMade, Base, 2),
		NewEvent("s", "r2b", "nina", sesame.KindPaymentMade, Base, 2))
	got := keys(allEvents(t, s, sesame.EventFilter{Person: "liam", RecordedBefore: cut}))
	if want := []string{"s/r1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("as known at the cut: %v, want %v", got, want)
	}
	got = keys(allEvents(t, s, sesame.EventFilter{Person: "liam"}))
	if want := []string{"s/r2", "s/r1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("now: %v, want %v", got, want)
	}
	var people []string
	err := s.ScanPeople(ctx, "", cut, func(p string, events []sesame.Event) error {
		people = append(people, p)
		for _, e := range events {
			if !e.RecordedAt.Before(cut) {
				t.Errorf("scan as of the cut returned %s recorded at %v", e.ID, e.RecordedAt)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"liam", "mona"}; !reflect.DeepEqual(people, want) {
		t.Errorf("people known at the cut: %v, want %v (nina came later)", people, want)
	}
}

func testScanPeople(t *testing.T, s Store) {
	// More people than one chunk of any reasonable store, appended in
	// scrambled person order, each with events in scrambled time order.
	const people = 700
	var batch []sesame.Event
	for i := 0; i < people; i++ {
		p := fmt.Sprintf("person-%04d", (i*337)%people)
		for j := 0; j < 1+i%4; j++ {
			batch = append(batch, NewEvent("s", fmt.Sprintf("%s-%d", p, j), p, sesame.KindPaymentMade, Base.Add(time.Duration(3-j)*time.Hour), j))
		}
	}
	mustAppend(t, s, batch...)

	scan := func(after string) (visited []string, total int) {
		err := s.ScanPeople(ctx, after, time.Time{}, func(p string, events []sesame.Event) error {
			visited = append(visited, p)
			total += len(events)
			for i, e := range events {
				if e.Person != p {
					t.Fatalf("event %s of %s handed over with %s", e.ID, e.Person, p)
				}
				if i > 0 && e.OccurredAt.Before(events[i-1].OccurredAt) {
					t.Fatalf("%s: events out of order", p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return visited, total
	}
	visited, total := scan("")
	if len(visited) != people || total != len(batch) {
		t.Fatalf("visited %d people and %d events, want %d and %d", len(visited), total, people, len(batch))
	}
	for i := 1; i < len(visited); i++ {
		if visited[i] <= visited[i-1] {
			t.Fatalf("people out of order: %s after %s", visited[i], visited[i-1])
		}
	}
	// Resume from a checkpoint, and from a person that does not exist.
	resumed, _ := scan(visited[499])
	if len(resumed) != people-500 || resumed[0] != visited[500] {
		t.Errorf("resumed after %s: %d people from %v", visited[499], len(resumed), resumed[:1])
	}
	resumed, _ = scan("person-0499x")
	if len(resumed) != 200 || resumed[0] != "person-0500" {
		t.Errorf("resumed after a gap: %d people", len(resumed))
	}
	if rest, _ := scan("zzz"); len(rest) != 0 {
		t.Errorf("after the last person: %d people", len(rest))
	}
	// fn's error stops the scan and comes back unchanged.
	stop := errors.New("stop")
	n := 0
	err := s.ScanPeople(ctx, "", time.Time{}, func(string, []sesame.Event) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("scan after fn failed: %v after %d people", err, n)
	}
	// A cancelled context stops it too.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.ScanPeople(cctx, "", time.Time{}, func(string, []sesame.Event) error { return nil }); err == nil {
		t.Error("scan with a cancelled context returned nil")
	}
}

func testConcurrentAppends(t *testing.T, s Store) {
	// Writers race on overlapping keys; readers read meanwhile. Each key must
	// be accepted exactly once and stored exactly once.
	const writers, perWriter, keySpace = 6, 200, 500
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		accepted = map[string]int{}
	)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < perWriter/20; b++ {
				var batch []sesame.Event
				for i := 0; i < 20; i++ {
					k := (w*perWriter + b*20 + i) * 7 % keySpace
					batch = append(batch, NewEvent("s", fmt.Sprintf("k%03d", k), fmt.Sprintf("q%02d", k%10), sesame.KindPaymentMade, Base.Add(time.Duration(k)*time.Minute), k))
				}
				res, err := s.Append(ctx, batch)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				mu.Lock()
				for i, r := range res {
					switch r.Status {
					case sesame.Accepted:
						accepted[batch[i].ID]++
					case sesame.Duplicate:
					default:
						t.Errorf("writer %d: %s got %s", w, batch[i].ID, r.Status)
					}
				}
				mu.Unlock()
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if _, err := s.Events(ctx, sesame.EventFilter{Person: fmt.Sprintf("q%02d", i%10)}); err != nil {
					t.Errorf("reader: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for i := 0; i < 10; i++ {
		total += len(allEvents(t, s, sesame.EventFilter{Person: fmt.Sprintf("q%02d", i), Limit: 1000}))
	}
	for id, n := range accepted {
		if n != 1 {
			t.Errorf("%s accepted %d times", id, n)
		}
	}
	if total != len(accepted) {
		t.Errorf("stored %d events, accepted %d", total, len(accepted))
	}
}

// testOppositeOrders appends the same keys in opposite orders at once, the
// pattern that deadlocks row-locking databases: every append must still
// succeed (a store retries what the database aborted) and each key be
// accepted once.
func testOppositeOrders(t *testing.T, s Store) {
	for round := 0; round < 5; round++ {
		var forward, backward []sesame.Event
		for i := 0; i < 50; i++ {
			forward = append(forward, NewEvent("s", fmt.Sprintf("o%d-%02d", round, i), fmt.Sprintf("o%02d", i%7), sesame.KindPaymentMade, Base.Add(time.Duration(i)*time.Minute), i))
		}
		for i := len(forward) - 1; i >= 0; i-- {
			backward = append(backward, forward[i])
		}
		var wg sync.WaitGroup
		results := make([][]sesame.AppendResult, 4)
		for w := range results {
			batch := forward
			if w%2 == 1 {
				batch = backward
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := s.Append(ctx, append([]sesame.Event(nil), batch...))
				if err != nil {
					t.Errorf("round %d writer %d: %v", round, w, err)
				}
				results[w] = res
			}()
		}
		wg.Wait()
		accepted := map[int]int{}
		for w, res := range results {
			for i, r := range res {
				key := i
				if w%2 == 1 {
					key = len(forward) - 1 - i
				}
				if r.Status == sesame.Accepted {
					accepted[key]++
				} else if r.Status != sesame.Duplicate {
					t.Errorf("round %d: %s", round, r.Status)
				}
			}
		}
		for i := range forward {
			if accepted[i] != 1 && !t.Failed() {
				t.Errorf("round %d: key %d accepted %d times", round, i, accepted[i])
			}
		}
	}
}
