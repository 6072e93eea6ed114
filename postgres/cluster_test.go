package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/clustertest"
)

func TestClusterContract(t *testing.T) {
	clustertest.Run(t, func(t *testing.T) clustertest.Opened {
		db := openFresh(t)
		return clustertest.Opened{Cluster: db.Cluster(), Events: db.Events(), Models: db.Scores(), Partners: db.Trust(), Decisions: db.Trust(), Exclusive: true}
	})
}

// A change committed through one connection wakes a listener on another
// at once, not at its next poll.
func TestClusterListen(t *testing.T) {
	db := openFresh(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	woke := make(chan struct{}, 16)
	go db.Cluster().Listen(ctx, func() { woke <- struct{}{} })
	select {
	case <-woke: // the first wake, once LISTEN is in place
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not start")
	}
	began := time.Now()
	if _, err := db.Pool().Exec(ctx, `UPDATE partners SET name = name`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woke:
		t.Logf("woken %s after the commit", time.Since(began))
	case <-time.After(2 * time.Second):
		t.Fatal("no notification within 2 s of a partner change")
	}
}
