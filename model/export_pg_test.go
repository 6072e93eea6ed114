package model

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// postgresURL is the server the SQL export is checked against, as in the
// postgres package's tests; SESAME_TEST_POSTGRES overrides it.
func postgresURL() string {
	if u := os.Getenv("SESAME_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// postgresScores runs the export in a temporary table of one connection, so
// nothing outlives the test.
func postgresScores(t *testing.T, m *Model, rows []Vector) ([]int, [][]int) {
	t.Helper()
	db, err := sql.Open("pgx", postgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // a temporary table lives in one session
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Skipf("PostgreSQL not reachable at %s (set SESAME_TEST_POSTGRES to a server's URL): %v", postgresURL(), err)
	}
	return sqlScores(t, db, "CREATE TEMPORARY TABLE", func(i int) string { return fmt.Sprintf("$%d", i) }, m, rows)
}

func TestSQLExportMatchesGoInPostgreSQL(t *testing.T) {
	tb := synthetic(1500, 5)
	d, err := LoadDataset(tb, DataSpec{Label: "bad", Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.MinCategoryCount = 5
	m, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := m.EncodeTable(tb)
	if err != nil {
		t.Fatal(err)
	}
	checkScores(t, m, rows[:400], postgresScores)

	tm, test := trainTaiwan(t, fastConfig())
	trows, err := tm.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	checkScores(t, tm, trows[:300], postgresScores)
}
