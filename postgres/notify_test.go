package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame/notice/noticetest"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

func TestNoticeFeedContract(t *testing.T) {
	noticetest.Run(t, func(t *testing.T) noticetest.Env {
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
		return noticetest.Env{Feed: db.NoticeFeed(), Outbox: db.Outbox(), Access: db.Trust(), Exec: func(t *testing.T, q string) {
			t.Helper()
			if _, err := conn.Exec(context.Background(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}}
	})
}
