package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/postgres/pgtest"
	"github.com/sesame-credit/sesame/scoretest"
)

// TestEveryPersonTableIsErased fails when a table with a person column is
// added without deciding what an erasure does with it: delete its rows
// (personTables) or handle it apart (erasedApart).
func TestEveryPersonTableIsErased(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.FreshURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// credentials are stripped to their revocation slot, rescore_pending is
	// bookkeeping deleted apart, erasing lists the person only during the
	// erasure's transaction, and access_log's entries are blanked.
	erasedApart := []string{"access_log", "credentials", "erasing", "rescore_pending"}
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT c.table_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND c.column_name = 'person' AND t.table_type = 'BASE TABLE'
			AND c.table_name NOT LIKE 'access_log_p%'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			t.Fatal(err)
		}
		n++
		if !slices.Contains(personTables, table) && !slices.Contains(erasedApart, table) {
			t.Errorf("table %s has a person column but an erasure leaves its rows: add it to personTables", table)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < len(personTables) {
		t.Fatalf("found %d tables with a person column, fewer than the %d erased: the query misses some", n, len(personTables))
	}
}

// TestErasedStayOutOfDerivedTables: a rescore that read a person's events
// before their erasure saves its results after it; the person's scores,
// shadow scores and feature state are skipped, the others' saved.
func TestErasedStayOutOfDerivedTables(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.FreshURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	if _, err := db.Eraser().ErasePerson(ctx, "gone", "operator:test", now); err != nil {
		t.Fatal(err)
	}
	// One score goes the one-statement way, two the bulk way.
	for _, people := range [][]string{{"gone"}, {"gone", "here"}} {
		var scores []*sesame.Score
		var snaps []feature.Snapshot
		for _, p := range people {
			scores = append(scores, &sesame.Score{Person: p, Status: sesame.StatusScored, Score: 640, Band: sesame.Good, ModelVersion: "m1", AsOf: now})
			snaps = append(snaps, feature.Snapshot{Person: p, Version: 1, Seq: 1, State: []byte("state")})
		}
		if err := db.Scores().SaveScores(ctx, scores); err != nil {
			t.Fatal(err)
		}
		if err := db.Scores().SaveShadowScores(ctx, scores); err != nil {
			t.Fatal(err)
		}
		if err := db.FeatureStates().SaveStates(ctx, snaps); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"scores", "score_latest", "shadow_scores", "feature_state"} {
		var gone, here int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE person = 'gone'), count(*) FILTER (WHERE person = 'here') FROM `+table).Scan(&gone, &here); err != nil {
			t.Fatal(err)
		}
		if gone != 0 || here != 1 {
			t.Errorf("%s: %d rows of the erased person, %d of the other (want 0 and 1)", table, gone, here)
		}
	}
	// The trigger's key is the one the erasure stored.
	var match bool
	if err := db.pool.QueryRow(ctx, `SELECT key = sha256(convert_to('sesame erased person', 'UTF8') || '\x00'::bytea || convert_to('gone', 'UTF8')) FROM erased_people`).Scan(&match); err != nil || !match {
		t.Fatalf("erased_people's key is not the trigger's: %v %v", match, err)
	}
}

// TestErasureRacingRescores erases people while a rescore keeps saving
// their scores and feature states: whatever the interleaving, none of
// their rows may remain.
func TestErasureRacingRescores(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.FreshURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	scoretest.ErasureRacingSaves(t, db.Eraser(), db.Scores(), db.FeatureStates(), func(person string) int {
		var n int
		if err := db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM scores WHERE person = $1) + (SELECT count(*) FROM score_latest WHERE person = $1)
			+ (SELECT count(*) FROM feature_state WHERE person = $1)`, person).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}
