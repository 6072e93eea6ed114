package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
)

// A write blocked past the busy timeout by another process's lock is an
// outage (503, retry), not a fault (500).
func TestUnavailableWhenLockedByAnotherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 10 s busy timeout")
	}
	db := testDB(t)
	other, err := sql.Open("sqlite3", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	e := ledgertest.NewEvent("bank", "e1", "p1", sesame.KindPaymentMade, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), 1)
	_, err = db.Events().Append(ctx, []sesame.Event{e})
	if err == nil {
		t.Fatal("append succeeded while another connection held the write lock")
	}
	if !Unavailable(err) {
		t.Fatalf("Unavailable(%v) = false after %s; want true", err, time.Since(start).Round(time.Millisecond))
	}
	conn.ExecContext(ctx, "ROLLBACK")
	if _, err := db.Events().Append(ctx, []sesame.Event{e}); err != nil {
		t.Fatalf("append once the lock is gone: %v", err)
	}
}

func TestUnavailableCodes(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{sqlite3.Error{Code: sqlite3.ErrBusy}, true},
		{fmt.Errorf("sqlite: append: %w", sqlite3.Error{Code: sqlite3.ErrIoErr}), true},
		{sqlite3.Error{Code: sqlite3.ErrFull}, true},
		{sqlite3.Error{Code: sqlite3.ErrConstraint}, false},
		{sqlite3.Error{Code: sqlite3.ErrCorrupt}, false},
		{errors.New("some bug"), false},
		{nil, false},
	} {
		if got := Unavailable(c.err); got != c.want {
			t.Errorf("Unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
