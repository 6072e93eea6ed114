package postgres_test

import (
	"testing"

	"github.com/sesame-credit/sesame/statstest"
)

func TestStatsContract(t *testing.T) {
	statstest.Run(t, func(t *testing.T) statstest.Stores {
		db := openFresh(t)
		trust := db.Trust()
		return statstest.Stores{Stats: db, Scores: db.Scores(), Consents: trust, Decisions: trust, Credentials: db.Credentials()}
	})
}
