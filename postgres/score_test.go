package postgres_test

import (
	"context"
	"testing"

	"github.com/sesame-credit/sesame/scoretest"
)

func TestScoreStoreContract(t *testing.T) {
	scoretest.Run(t, func(t *testing.T) scoretest.Opened {
		db := openFresh(t)
		return scoretest.Opened{Store: db.Scores(), Exec: func(ctx context.Context, q string) error {
			_, err := db.Pool().Exec(ctx, q)
			return err
		}}
	})
}
