package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/postgres"
)

// testURL is the server the tests use; SESAME_TEST_POSTGRES overrides it.
func testURL() string {
	if u := os.Getenv("SESAME_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

var (
	reachOnce sync.Once
	reachErr  error
)

// openFresh opens a database in a schema of its own, dropped when the test
// ends, so that runs and tests never see each other's rows. It skips the
// test when no server answers.
func openFresh(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	reachOnce.Do(func() {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		conn, err := pgx.Connect(cctx, testURL())
		if err == nil {
			conn.Close(ctx)
		}
		reachErr = err
	})
	if reachErr != nil {
		t.Skipf("PostgreSQL not reachable at %s (set SESAME_TEST_POSTGRES to a server's URL): %v", testURL(), reachErr)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "sesame_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, testURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, testURL())
		if err == nil {
			c.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`)
			c.Close(ctx)
		}
	})
	u, _ := url.Parse(testURL())
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLedgerContract(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledgertest.Store { return openFresh(t).Events() })
}

func TestMigrationsApplyOnce(t *testing.T) {
	db := openFresh(t)
	vs, err := db.Migrations(context.Background())
	if err != nil || len(vs) == 0 || vs[0] != 1 {
		t.Fatalf("migrations %v, %v", vs, err)
	}
}
