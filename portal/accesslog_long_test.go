package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/portal"
)

// TestAccessLogOfAHeavyUser: a person a partner checks at every ride has
// more looks, and notices of them, than one page or one batch of
// verification. The export holds them all; the page says how many there
// are in all, pages back through every one of them, and a look deleted
// from the oldest, far past the newest thousand, is caught.
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
	// Notices, as the notifier leaves them, past the ten thousand the
	// export once stopped at.
	const noticesN = 10_050
	notices := make([]sesame.Notice, noticesN)
	for i := range notices {
		notices[i] = sesame.Notice{ID: fmt.Sprintf("ntc_%05d", i), Recipient: sesame.PersonRecipient("alice"), Topic: "access.read",
			Body: json.RawMessage(`{}`), CreatedAt: time.Unix(1_700_000_000+int64(i/3), 0)}
	}
	if err := db.NoticeFeed().EnqueueNotices(ctx, "", 0, notices); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *portal.Config) {
		c.AccessLog = portal.AuditLog{Log: db.AccessLog(), Partners: db.Partners()}
		c.Notices = db.Outbox()
	})
	h.login("alice")

	// The export holds every look and every notice.
	_, body := h.do("GET", "/portal/data/export.json", nil)
	var export struct {
		AccessLog []portal.AccessEntry `json:"access_log"`
		Notices   []sesame.Notice      `json:"notices"`
	}
	if err := json.Unmarshal([]byte(body), &export); err != nil {
		t.Fatal(err)
	}
	if len(export.AccessLog) != looks || len(export.Notices) != noticesN {
		t.Fatalf("the export holds %d looks and %d notices, want %d and %d", len(export.AccessLog), len(export.Notices), looks, noticesN)
	}

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
