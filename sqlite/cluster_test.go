package sqlite_test

import (
	"testing"

	"github.com/sesame-credit/sesame/clustertest"
)

func TestClusterContract(t *testing.T) {
	clustertest.Run(t, func(t *testing.T) clustertest.Opened {
		db := openTemp(t)
		return clustertest.Opened{Cluster: db.Cluster(), Events: db.Events(), Models: db.Scores(), Partners: db.Partners(), Decisions: db.Decisions()}
	})
}
