package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame/scoretest"
	"github.com/sesame-credit/sesame/sqlite"
)

func TestScoreStoreContract(t *testing.T) {
	scoretest.Run(t, func(t *testing.T) scoretest.Opened {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return scoretest.Opened{Store: db.Scores(), Exec: func(ctx context.Context, q string) error {
			_, err := db.Writer().ExecContext(ctx, q)
			return err
		}}
	})
}
