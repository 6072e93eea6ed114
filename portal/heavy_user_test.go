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
	"github.com/sesame-credit/sesame/portal/portaltest"
	"github.com/sesame-credit/sesame/score"
)

// TestHeavyUserLogAndExport: a person a partner checks at every ride has
// more looks, and notices of them, than one page or one batch of
// verification, and more scores than one page. The export holds them all; the page says how many there
// are in all, pages back through every one of them, and a look deleted
// from the oldest, far past the newest thousand, is caught.
func TestHeavyUserLogAndExport(t *testing.T) {
	ctx := context.Background()
	db, _, granted := aliceWithCityBank(t)
	const looks = 1200 // six full pages: the sixth must offer no empty seventh
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
	// A score each time their record changed, more than a thousand.
	const points = 1100
	scores := make([]*sesame.Score, points)
	for i := range scores {
		at := time.Unix(1_700_000_000+int64(i)*3600, 0).UTC()
		scores[i] = &sesame.Score{Person: "alice", Status: sesame.StatusScored, Score: 600 + i%50, Band: sesame.Good, ModelVersion: "m1", AsOf: at}
	}
	if err := db.Scores().SaveScores(ctx, scores); err != nil {
		t.Fatal(err)
	}
	// Partners' decisions about them, pairs sharing a time, past a page.
	const decisionsN = 1010
	if err := db.Decisions().SavePolicy(ctx, &sesame.Product{ID: "loan", Name: "Loan", Purpose: sesame.PurposeLoan, Policy: `{"decision": "approve"}`, PolicyVersion: "v1"}); err != nil {
		t.Fatal(err)
	}
	for i := range decisionsN {
		d := &sesame.Decision{ID: fmt.Sprintf("dec_%04d", i), Partner: "citybank", Person: "alice", Product: "loan", PolicyVersion: "v1",
			Result: sesame.DecisionResult{Decision: sesame.Approve}, Raw: json.RawMessage(`{"decision":"approve"}`),
			CreatedAt: time.Unix(1_700_000_000+int64(i/2), 0).UTC()}
		if err := db.Decisions().SaveDecision(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, func(c *portal.Config) {
		c.AccessLog = portal.AuditLog{Log: db.AccessLog(), Partners: db.Partners()}
		c.Notices = db.Outbox()
		c.Decisions = db.Decisions()
		c.Scores = storedHistory{Scores: portaltest.NewScores(), store: &score.Service{Scores: db.Scores()}}
	})
	h.login("alice")

	// The export holds every look, notice, score and decision.
	_, body := h.do("GET", "/portal/data/export.json", nil)
	var export struct {
		AccessLog    []portal.AccessEntry `json:"access_log"`
		Notices      []sesame.Notice      `json:"notices"`
		ScoreHistory []sesame.ScorePoint  `json:"score_history"`
		Decisions    []sesame.Decision    `json:"decisions"`
	}
	if err := json.Unmarshal([]byte(body), &export); err != nil {
		t.Fatal(err)
	}
	if len(export.AccessLog) != looks || len(export.Notices) != noticesN || len(export.ScoreHistory) != points {
		t.Fatalf("the export holds %d looks, %d notices and %d scores, want %d, %d and %d",
			len(export.AccessLog), len(export.Notices), len(export.ScoreHistory), looks, noticesN, points)
	}
	ids := map[string]bool{}
	for _, d := range export.Decisions {
		ids[d.ID] = true
	}
	if len(export.Decisions) != decisionsN || len(ids) != decisionsN {
		t.Fatalf("the export holds %d decisions (%d distinct), want %d", len(export.Decisions), len(ids), decisionsN)
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
	if seen != looks || pages != 6 {
		t.Fatalf("paged through %d looks in %d pages, want %d in 6", seen, pages, looks)
	}

	// The oldest look goes: only the full chain's check can tell.
	if _, err := db.AccessWriter().Exec(`DELETE FROM access_log WHERE seq = (SELECT min(seq) FROM access_log WHERE person = 'alice')`); err != nil {
		t.Fatal(err)
	}
	if _, page := h.do("GET", "/portal/access-log", nil); !strings.Contains(page, `data-ok="false"`) {
		t.Error("a look deleted from past the newest thousand is not caught on the person's page")
	}
}

// storedHistory is the fixture's scores with the history of a real store.
type storedHistory struct {
	*portaltest.Scores
	store *score.Service
}

func (s storedHistory) History(ctx context.Context, person string, limit int) ([]sesame.ScorePoint, error) {
	return s.store.History(ctx, person, limit)
}

func (s storedHistory) HistoryBefore(ctx context.Context, person string, before int64, limit int) ([]sesame.ScorePoint, error) {
	return s.store.HistoryBefore(ctx, person, before, limit)
}

// BenchmarkAccessLogPageOf10000Looks times the access-log page of a person
// with 10,000 looks: every one is verified on each view.
func BenchmarkAccessLogPageOf10000Looks(b *testing.B) {
	ctx := context.Background()
	db, _, granted := aliceWithCityBank(b)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 200 {
				if err := db.AccessLog().AppendAccess(ctx, &sesame.AccessEntry{Person: "alice", Actor: "partner:citybank", Action: "threshold.check",
					Scope: sesame.ScopeThreshold, Purpose: sesame.PurposeCreditCard, Consent: granted.ID, Outcome: sesame.AccessAllowed}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	h := newHarness(b, func(c *portal.Config) { c.AccessLog = portal.AuditLog{Log: db.AccessLog(), Partners: db.Partners()} })
	h.login("alice")
	for b.Loop() {
		if _, page := h.do("GET", "/portal/access-log", nil); !strings.Contains(page, "holds 10000 entries") {
			b.Fatal("the page does not verify all 10,000 looks")
		}
	}
}
