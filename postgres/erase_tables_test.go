package postgres

import (
	"context"
	"slices"
	"testing"

	"github.com/sesame-credit/sesame/postgres/pgtest"
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
