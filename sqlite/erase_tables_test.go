package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// TestEveryPersonTableIsErased fails when a table with a person column is
// added without deciding what an erasure does with it: delete its rows
// (personTables) or handle it apart (erasedApart).
func TestEveryPersonTableIsErased(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "sesame.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// credentials are stripped to their revocation slot; erasing lists the
	// person only during the erasure's transaction.
	erasedApart := []string{"credentials", "erasing"}
	rows, err := db.Reader().QueryContext(ctx, `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND c.name = 'person' ORDER BY m.name`)
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
	if n < len(personTables) {
		t.Fatalf("found %d tables with a person column, fewer than the %d erased: the query misses some", n, len(personTables))
	}
}
