package consenttest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// pagedLong is more items than the 1000 an HTTP page may hold, so that a
// store that capped its list instead of reading from a position fails.
const pagedLong = 1203

// wantPages checks that reading pages of 100 through read, each from the
// last item of the one before, gives exactly want: no repeats, no gaps.
func wantPages[T any](t *testing.T, what string, want []string, id func(T) string, read func(last *T, n int) ([]T, error)) {
	t.Helper()
	var got []string
	var last *T
	for pages := 0; ; pages++ {
		if pages > len(want) {
			t.Fatalf("%s: still paging after %d pages", what, pages)
		}
		page, err := read(last, 100)
		if err != nil {
			t.Fatalf("%s: page %d: %v", what, pages, err)
		}
		if len(page) > 100 {
			t.Fatalf("%s: page %d has %d items, asked for 100", what, pages, len(page))
		}
		for _, it := range page {
			got = append(got, id(it))
		}
		if len(page) < 100 {
			break
		}
		last = &page[len(page)-1]
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: paged %d items, want %d in order (first difference at %d)", what, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// testPaging: decisions, a person's access log and the signed heads page
// past 1000 items from a position, in the order the lists promise, with
// ties on time broken the same way on every page.
func testPaging(t *testing.T, s Stores) {
	t.Run("decisions", func(t *testing.T) {
		must(t, s.Decisions.SavePolicy(ctx, &sesame.Product{ID: "loan", Name: "Loan", Purpose: sesame.PurposeLoan, Policy: `{"decision": "approve"}`, PolicyVersion: "v1"}))
		raw, _ := json.Marshal(sesame.DecisionResult{Decision: sesame.Approve})
		type key struct {
			at time.Time
			id string
		}
		var keys []key
		for i := range pagedLong {
			// Three decisions share each time, saved out of id order.
			id, at := fmt.Sprintf("d%05d", (i*7919)%pagedLong), t0.Add(time.Duration(i/3)*time.Millisecond)
			person := "p1"
			if i%5 == 0 {
				person = "p2" // others' decisions in between
			} else {
				keys = append(keys, key{at, id})
			}
			must(t, s.Decisions.SaveDecision(ctx, &sesame.Decision{ID: id, Partner: "acme", Person: person, Product: "loan", PolicyVersion: "v1",
				ModelVersion: "m1", Consent: "c1", Result: sesame.DecisionResult{Decision: sesame.Approve}, Raw: raw, CreatedAt: at}))
		}
		slices.SortFunc(keys, func(a, b key) int {
			if c := b.at.Compare(a.at); c != 0 {
				return c
			}
			return compare(a.id, b.id)
		})
		want := make([]string, len(keys))
		for i, k := range keys {
			want[i] = k.id
		}
		wantPages(t, "decisions", want, func(d *sesame.Decision) string { return d.ID }, func(last **sesame.Decision, n int) ([]*sesame.Decision, error) {
			var after sesame.Position
			if last != nil {
				after = sesame.Position{At: (*last).CreatedAt, ID: (*last).ID}
			}
			return s.Decisions.DecisionsAboutAfter(ctx, "p1", after, n)
		})
	})
	t.Run("access log", func(t *testing.T) {
		var want []string
		for i := range pagedLong {
			e := &sesame.AccessEntry{At: t0, Person: "p1", Actor: "partner:acme", Action: "score.read",
				Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan, Consent: "c1", Outcome: sesame.AccessAllowed, Reason: "score"}
			if i%4 == 0 {
				e.Person = "p2"
			}
			must(t, s.AccessLog.AppendAccess(ctx, e))
			if e.Person == "p1" {
				want = append(want, fmt.Sprint(e.Seq))
			}
		}
		slices.Reverse(want)
		wantPages(t, "access entries", want, func(e *sesame.AccessEntry) string { return fmt.Sprint(e.Seq) }, func(last **sesame.AccessEntry, n int) ([]*sesame.AccessEntry, error) {
			var before int64
			if last != nil {
				before = (*last).Seq
			}
			return s.AccessLog.AccessEntriesBefore(ctx, "p1", before, n)
		})
	})
	t.Run("signed heads", func(t *testing.T) {
		var want []string
		for k := range pagedLong {
			// Two heads share each time, and a size comes back at a later
			// time, as when a head is signed again with no new entries.
			h := &sesame.SignedHead{Size: int64(k/4*2 + k%2), At: t0.Add(time.Duration(k/2) * time.Second), Root: "00", PublicKey: "k", Signature: "s"}
			must(t, s.AccessLog.SaveAccessHead(ctx, h))
			want = append(want, fmt.Sprintf("%d@%d", h.Size, h.At.UnixNano()))
		}
		// Newest first: by time, then size, both descending; here that is
		// the reverse of the order saved.
		slices.Reverse(want)
		id := func(h *sesame.SignedHead) string { return fmt.Sprintf("%d@%d", h.Size, h.At.UnixNano()) }
		wantPages(t, "signed heads", want, id, func(last **sesame.SignedHead, n int) ([]*sesame.SignedHead, error) {
			if last == nil {
				return s.AccessLog.AccessHeadsAfter(ctx, time.Time{}, 0, n)
			}
			return s.AccessLog.AccessHeadsAfter(ctx, (*last).At, (*last).Size, n)
		})
	})
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
