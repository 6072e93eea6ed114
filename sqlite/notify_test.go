package sqlite

import (
	"testing"

	"github.com/sesame-credit/sesame/notice/noticetest"
)

func TestNoticeFeedContract(t *testing.T) {
	noticetest.Run(t, func(t *testing.T) noticetest.Env {
		db := testDB(t)
		return noticetest.Env{Feed: db.NoticeFeed(), Outbox: db.Outbox(), Access: db.AccessLog(), Exec: func(t *testing.T, q string) {
			t.Helper()
			if _, err := db.Writer().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}}
	})
}
