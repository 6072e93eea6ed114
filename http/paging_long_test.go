package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// TestListsPagePastAThousand: a person with more decisions and access-log
// entries than the 1000 a page may hold pages through every one of them,
// in order, with no repeats — the stores read each page from its cursor
// rather than the newest 1000 being cut in memory.
func TestListsPagePastAThousand(t *testing.T) {
	tr := newTrustServer(t, false)
	ctx := context.Background()
	session := tr.login("p-a")
	const n = 1100
	if err := tr.db.Decisions().SavePolicy(ctx, &sesame.Product{ID: "loan", Name: "Loan", Purpose: sesame.PurposeLoan, Policy: `{"decision": "approve"}`, PolicyVersion: "v1"}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range n {
		// Pairs share a time; ties read in id order.
		d := &sesame.Decision{ID: fmt.Sprintf("d%04d", i^1), Partner: "acme", Person: "p-a", Product: "loan", PolicyVersion: "v1",
			Result: sesame.DecisionResult{Decision: sesame.Approve}, Raw: json.RawMessage(`{"decision":"approve"}`),
			CreatedAt: tr.now.Add(-time.Hour + time.Duration(i/2)*time.Millisecond)}
		if err := tr.db.Decisions().SaveDecision(ctx, d); err != nil {
			t.Fatal(err)
		}
		e := &sesame.AccessEntry{At: tr.now, Person: "p-a", Actor: "partner:acme", Action: "score.read", Scope: sesame.ScopeScore,
			Purpose: sesame.PurposeLoan, Consent: "c1", Outcome: sesame.AccessAllowed, Reason: "score"}
		if err := tr.db.AccessLog().AppendAccess(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for i := n - 2; i >= 0; i -= 2 {
		want = append(want, fmt.Sprintf("d%04d", i), fmt.Sprintf("d%04d", i+1))
	}
	pages := func(path, list string, each func(page map[string]json.RawMessage, item map[string]any)) int {
		items, target := 0, path+"?limit=1000"
		for range 3 {
			a := tr.do("GET", target, session, "")
			var page map[string]json.RawMessage
			var its []map[string]any
			if a.status != 200 || json.Unmarshal([]byte(a.body), &page) != nil || json.Unmarshal(page[list], &its) != nil {
				t.Fatalf("%s: %d %.300s", target, a.status, a.body)
			}
			for _, it := range its {
				each(page, it)
			}
			items += len(its)
			var next string
			if raw, ok := page["next"]; !ok {
				return items
			} else if json.Unmarshal(raw, &next) != nil || next == "" {
				t.Fatalf("%s: next %s", target, raw)
			}
			target = path + "?limit=1000&cursor=" + url.QueryEscape(next)
		}
		t.Fatalf("%s: more than 3 pages of 1000 for %d items", path, n)
		return 0
	}

	var got []string
	pages("/v1/me/decisions", "decisions", func(_ map[string]json.RawMessage, d map[string]any) { got = append(got, d["id"].(string)) })
	if len(got) != n {
		t.Fatalf("paged %d decisions, want %d", len(got), n)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("decision %d is %s, want %s", i, got[i], want[i])
		}
	}

	last := int64(1 << 62)
	entries := pages("/v1/me/access-log", "entries", func(page map[string]json.RawMessage, e map[string]any) {
		var chain struct{ OK bool }
		if json.Unmarshal(page["chain"], &chain) != nil || !chain.OK {
			t.Fatalf("a page's chain does not verify: %s", page["chain"])
		}
		seq := int64(e["seq"].(float64))
		if seq >= last {
			t.Fatalf("entry %d after %d: not newest first, or repeated", seq, last)
		}
		last = seq
	})
	if entries != n || last != 1 {
		t.Fatalf("paged %d entries down to seq %d, want %d down to 1", entries, last, n)
	}
}
