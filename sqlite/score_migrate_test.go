package sqlite

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// A database scored before migration 011 kept each latest score as one
// JSON body with its features inside; after it, the API body is served as
// stored (no features) and the features still read back.
func TestMigration011CarriesLatestScoresOver(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	legacy := `{"person":"p1","status":"scored","score":702,"band":"excellent","model_version":"m1","as_of":"2026-11-01T00:00:00Z","features":{"utilisation_now":0.82,"age_years":31}}`
	for _, q := range []string{
		`DROP TABLE score_latest`,
		`CREATE TABLE score_latest (person TEXT PRIMARY KEY, seq INTEGER NOT NULL, body BLOB NOT NULL) WITHOUT ROWID`,
		`INSERT INTO score_latest VALUES ('p1', 1, CAST('` + legacy + `' AS BLOB))`,
		`DROP TABLE feature_sets`,
		`DELETE FROM schema_migrations WHERE version IN (11, 12)`, // 012 keys the table 011 makes
	} {
		if _, err := db.writer.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.migrate(ctx); err != nil {
		t.Fatal(err)
	}
	st := db.Scores()
	sc, err := st.LatestScore(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Score != 702 || sc.Features["utilisation_now"] != 0.82 || sc.Features["age_years"] != 31 || !sc.AsOf.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("carried over: %+v", sc)
	}
	body, err := st.LatestScoreJSON(ctx, "p1")
	if err != nil || bytes.Contains(body, []byte("features")) {
		t.Fatalf("API body %s, %v: must not carry the features", body, err)
	}
	// A new save replaces it in the new form, and the API body is what
	// encoding/json gives for the score.
	sc.Score, sc.Band = 655, sesame.BandOf(655)
	if err := st.SaveScores(ctx, []*sesame.Score{sc}); err != nil {
		t.Fatal(err)
	}
	body, _ = st.LatestScoreJSON(ctx, "p1")
	want, _ := json.Marshal(sc)
	if !bytes.Equal(body, want) {
		t.Fatalf("stored body %s\nwant        %s", body, want)
	}
	again, err := st.LatestScore(ctx, "p1")
	if err != nil || again.Score != 655 || again.Features["utilisation_now"] != 0.82 {
		t.Fatalf("after a save: %+v %v", again, err)
	}
}
