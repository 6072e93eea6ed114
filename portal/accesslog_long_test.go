package portal_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/portal"
)

// TestAccessLogOfAHeavyUser: a person a partner checks at every ride has
// more looks than one page or one batch of verification. The page says
// how many there are in all, pages back through every one of them, and a
// look deleted from the oldest, far past the newest thousand, is caught.
func TestAccessLogOfAHeavyUser(t *testing.T) {
	ctx := context.Background()
	db, _, granted := aliceWithCityBank(t)
	const looks = 1250
	var wg sync.WaitGroup
	for w := range 25 {
		wg.Go(func() {
			for range looks / 25 {
				if err := db.AccessLog().AppendAccess(ctx, &sesame.AccessEntry{Person: "alice", Actor: "partner:citybank", Action: "threshold.check",
					Scope: sesame.ScopeThreshold, Purpose: sesame.PurposeCreditCard, Consent: granted.ID, Outcome: sesame.AccessAllowed,
					Reason: fmt.Sprintf("worker %d", w)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	h := newHarness(t, func(c *portal.Config) { c.AccessLog = portal.AuditLog{Log: db.AccessLog(), Partners: db.Partners()} })
	h.login("alice")

	rows := regexp.MustCompile(`class="who-looked"`)
	older := regexp.MustCompile(`href="/portal/access-log\?before=(\d+)" id="access-older"`)
	seen, pages := 0, 0
	path := "/portal/access-log"
	for {
		_, page := h.do("GET", path, nil)
		if !strings.Contains(page, `data-ok="true"`) || !strings.Contains(page, fmt.Sprintf("holds %d entries about you in all", looks)) {
			t.Fatalf("page %d does not say all %d looks verify", pages+1, looks)
		}
		seen += len(rows.FindAllString(page, -1))
		pages++
		m := older.FindStringSubmatch(page)
		if m == nil {
			break
		}
		path = "/portal/access-log?before=" + m[1]
	}
	if seen != looks || pages != 7 {
		t.Fatalf("paged through %d looks in %d pages, want %d in 7", seen, pages, looks)
	}

	// The oldest look goes: only the full chain's check can tell.
	if _, err := db.AccessWriter().Exec(`DELETE FROM access_log WHERE seq = (SELECT min(seq) FROM access_log WHERE person = 'alice')`); err != nil {
		t.Fatal(err)
	}
	if _, page := h.do("GET", "/portal/access-log", nil); !strings.Contains(page, `data-ok="false"`) {
		t.Error("a look deleted from past the newest thousand is not caught on the person's page")
	}
}
