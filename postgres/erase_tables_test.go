package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/postgres/pgtest"
	"github.com/sesame-credit/sesame/scoretest"
)

// TestEveryPersonTableIsErased fails when a table with a person column is
// added without deciding what an erasure does with it: delete its rows
// (personTables) or handle it apart (erasedApart).
func TestEveryPersonTableIsErased(t *testing.T) {
	ctx := context.Background()
	db := freshDB(t)
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
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	ledgertest.EveryPersonTableErased(t, tables, personTables, erasedApart)
}

// TestErasedStayOutOfDerivedTables: a rescore that read a person's events
// before their erasure saves its results after it (scoretest.ErasedStayOut).
func TestErasedStayOutOfDerivedTables(t *testing.T) {
	ctx := context.Background()
	db := freshDB(t)
	scoretest.ErasedStayOut(t, db.Eraser(), savers{db.Scores(), db.FeatureStates()}, func(table, person string) int {
		var n int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE person = $1`, person).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
	// The trigger's key is the one the erasure stored.
	var match bool
	if err := db.pool.QueryRow(ctx, `SELECT key = sha256(convert_to('sesame erased person', 'UTF8') || '\x00'::bytea || convert_to('gone', 'UTF8')) FROM erased_people`).Scan(&match); err != nil || !match {
		t.Fatalf("erased_people's key is not the trigger's: %v %v", match, err)
	}
}

// savers are the score and feature-state stores as scoretest.Savers.
type savers struct {
	*ScoreStore
	*FeatureStateStore
}

// TestErasureRacingRescores erases people while a rescore keeps saving
// their scores and feature states: whatever the interleaving, none of
// their rows may remain.
func TestErasureRacingRescores(t *testing.T) {
	ctx := context.Background()
	db := freshDB(t)
	scoretest.ErasureRacingSaves(t, db.Eraser(), savers{db.Scores(), db.FeatureStates()}, func(person string) int {
		var n int
		if err := db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM scores WHERE person = $1) + (SELECT count(*) FROM score_latest WHERE person = $1)
			+ (SELECT count(*) FROM feature_state WHERE person = $1)`, person).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

// TestErasedGetNoNotices: a look at an erased person's id leaves no notice
// naming them (ledgertest.ErasedGetNoNotices).
func TestErasedGetNoNotices(t *testing.T) {
	ctx := context.Background()
	db := freshDB(t)
	ledgertest.ErasedGetNoNotices(t, db.Eraser(), db.NoticeFeed(), func(recipient string) int {
		var n int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM notices WHERE recipient = $1`, recipient).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

// freshDB opens a database in a schema of the test's own, closed when the
// test ends (postgres_test has openFresh for the external tests).
func freshDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), pgtest.FreshURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
