// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the test server, dropped when the test ends, so that runs and
// tests never see each other's rows. Without a reachable server the test is
// skipped with a message saying how to point it at one.
package pgtest

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
)

// ServerURL is the server the tests use; SESAME_TEST_POSTGRES overrides it.
func ServerURL() string {
	if u := os.Getenv("SESAME_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

var (
	reachOnce sync.Once
	reachErr  error
)

// FreshURL creates an empty schema and returns a URL whose search_path
// selects it. It skips the test when no server answers.
func FreshURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	reachOnce.Do(func() {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		conn, err := pgx.Connect(cctx, ServerURL())
		if err == nil {
			conn.Close(ctx)
		}
		reachErr = err
	})
	if reachErr != nil {
		t.Skipf("PostgreSQL not reachable at %s (set SESAME_TEST_POSTGRES to a server's URL): %v", ServerURL(), reachErr)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "sesame_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, ServerURL())
		if err == nil {
			c.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`)
			c.Close(ctx)
		}
	})
	u, err := url.Parse(ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
