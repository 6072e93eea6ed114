package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/clustertest"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/postgres/pgtest"
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

// BenchmarkAppendPending measures what keeping pending rescores costs the
// ledger's append: batches of 1,000 events from the ledger's generator,
// with the trigger that records their people and without it.
func BenchmarkAppendPending(b *testing.B) {
	for _, on := range []bool{true, false} {
		name := "trigger"
		if !on {
			name = "no-trigger"
		}
		b.Run(name, func(b *testing.B) {
			db, err := postgres.Open(context.Background(), pgtest.FreshURL(b))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			if !on {
				if _, err := db.Pool().Exec(ctx, `ALTER TABLE events DISABLE TRIGGER events_pending`); err != nil {
					b.Fatal(err)
				}
			}
			g := ledgertest.NewGenerator(1, 5000)
			batch := make([]sesame.Event, 1000)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for k := range batch {
					batch[k] = g.Next()
				}
				if _, err := db.Events().Append(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
		})
	}
}
