package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// TestLatestScoreJSONRaw: the raw lookup answers what encoding/json makes
// of the latest score — also for a body past its buffer, right after each
// new save, and from many goroutines at once — and not_found for nobody.
func TestLatestScoreJSONRaw(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	st := db.Scores()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	score := func(person string, s int, missing int) *sesame.Score {
		sc := &sesame.Score{Person: person, Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s), ModelVersion: "m1", AsOf: at}
		for i := range missing {
			sc.Missing = append(sc.Missing, fmt.Sprintf("a long explanation of what is missing, number %d, %s", i, strings.Repeat("x", 200)))
		}
		return sc
	}
	want := map[string][]byte{}
	var batch []*sesame.Score
	for i := range 300 {
		sc := score(fmt.Sprintf("p%03d", i), 350+i, i%3)
		if i == 7 {
			sc = score("p007", 600, 200) // about 50 KB: more than the reused buffer
		}
		batch = append(batch, sc)
		want[sc.Person], _ = json.Marshal(sc)
	}
	if err := st.SaveScores(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if len(want["p007"]) <= 16<<10 {
		t.Fatalf("the large body is only %d bytes", len(want["p007"]))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				p := fmt.Sprintf("p%03d", (i+g*37)%300)
				got, err := st.LatestScoreJSON(ctx, p)
				if err != nil || string(got) != string(want[p]) {
					t.Errorf("%s: %s, %v\nwant %s", p, got, err, want[p])
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range 3 {
		sc := score("p001", 700+i, 0)
		if err := st.SaveScores(ctx, []*sesame.Score{sc}); err != nil {
			t.Fatal(err)
		}
		w, _ := json.Marshal(sc)
		if got, err := st.LatestScoreJSON(ctx, "p001"); err != nil || string(got) != string(w) {
			t.Fatalf("after save %d: %s, %v", i, got, err)
		}
	}
	for _, nobody := range []string{"nobody", ""} {
		if _, err := st.LatestScoreJSON(ctx, nobody); sesame.ErrorCode(err) != sesame.ENOTFOUND {
			t.Errorf("%q: %v, want not_found", nobody, err)
		}
	}
	db.Close()
	if _, err := st.LatestScoreJSON(ctx, "p001"); err == nil {
		t.Error("a read after Close succeeded")
	}
}
