package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame/audit/audittest"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

func TestAccessLogContract(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audittest.Log {
		url := pgtest.FreshURL(t)
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		return audittest.Log{AccessLog: db.Trust(), Eraser: db.Eraser(), Exec: func(t *testing.T, q string) {
			t.Helper()
			if _, err := conn.Exec(context.Background(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}}
	})
}
