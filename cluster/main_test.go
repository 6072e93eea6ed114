package cluster_test

import (
	"os"
	"testing"

	"github.com/sesame-credit/sesame/internal/replicatest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	replicatest.Cleanup() // the sesame binary built for the replicas
	os.Exit(code)
}
