package postgres_test

import (
	"testing"

	"github.com/sesame-credit/sesame/recordtest"
)

func TestRecordStoreContract(t *testing.T) {
	recordtest.Run(t, func(t *testing.T) recordtest.Store { return openFresh(t).Record() })
}
