package sqlite

import (
	"context"
	"testing"

	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/scoretest"
)

// TestEveryPersonTableIsErased fails when a table with a person column is
// added without deciding what an erasure does with it: delete its rows
// (personTables) or handle it apart (erasedApart).
func TestEveryPersonTableIsErased(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	// credentials are stripped to their revocation slot; erasing lists the
	// person only during the erasure's transaction.
	erasedApart := []string{"credentials", "erasing"}
	rows, err := db.Reader().QueryContext(ctx, `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND c.name = 'person' ORDER BY m.name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, table)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	ledgertest.EveryPersonTableErased(t, tables, personTables, erasedApart)
}

// TestErasedStayOutOfDerivedTables: a rescore that read a person's events
// before their erasure saves its results after it (scoretest.ErasedStayOut).
func TestErasedStayOutOfDerivedTables(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	scoretest.ErasedStayOut(t, db.Eraser(), savers{db.Scores(), db.FeatureStates()}, func(table, person string) int {
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE person = ?`, person).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

// savers are the score and feature-state stores as scoretest.Savers.
type savers struct {
	*ScoreStore
	*FeatureStateStore
}

// TestErasureRacingRescores erases people while a rescore keeps saving
// their scores and feature states: none of their rows may remain.
func TestErasureRacingRescores(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	scoretest.ErasureRacingSaves(t, db.Eraser(), savers{db.Scores(), db.FeatureStates()}, func(person string) int {
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM scores WHERE person = ?1) + (SELECT count(*) FROM score_latest WHERE person = ?1)
			+ (SELECT count(*) FROM feature_state WHERE person = ?1)`, person).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

// TestErasedGetNoNotices: a look at an erased person's id leaves no notice
// naming them (ledgertest.ErasedGetNoNotices).
func TestErasedGetNoNotices(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	ledgertest.ErasedGetNoNotices(t, db.Eraser(), db.NoticeFeed(), func(recipient string) int {
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM notices WHERE recipient = ?`, recipient).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}
