package postgres

import (
	"context"
	"errors"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame/postgres/pgtest"
)

// A server that does not answer and a connection that breaks are outages
// (503, retry); an error of the statement is not.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	u, _ := url.Parse(pgtest.FreshURL(t))

	// Nobody listens on a port just freed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := *u
	down.Host = ln.Addr().String()
	ln.Close()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = pgx.Connect(cctx, down.String())
	if err == nil || !Unavailable(err) {
		t.Fatalf("connecting to nothing: Unavailable(%v) = false", err)
	}

	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "SELEC 1")
	if err == nil || Unavailable(err) {
		t.Fatalf("a syntax error: Unavailable(%v) = true", err)
	}
	// The server ends the session (as on a restart: 57P01).
	other, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	if _, err := other.Exec(ctx, "SELECT pg_terminate_backend($1)", conn.PgConn().PID()); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, "SELECT 1")
	if err == nil || !Unavailable(err) {
		t.Fatalf("a terminated session: Unavailable(%v) = false", err)
	}
	if Unavailable(errors.New("some bug")) || Unavailable(nil) || Unavailable(pgx.ErrNoRows) {
		t.Fatal("Unavailable of a plain error")
	}
}
