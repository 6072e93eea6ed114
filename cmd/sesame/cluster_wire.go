package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/cluster"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/score"
)

// clusterStore is what makes the servers on one database one deployment:
// change epochs, the full rescore's queue and the people pending a
// rescore; both engines implement it (migration 150).
type clusterStore interface {
	sesame.ChangeFeed
	sesame.RescoreQueue
	sesame.PendingRescores
}

// Cluster returns the cluster store of whichever database is open.
func (s *store) Cluster() clusterStore {
	if s.SQLite != nil {
		return s.SQLite.Cluster()
	}
	return s.Postgres.Cluster()
}

// replicaName names this process in leases and claims: host, pid and a
// random suffix, so that a restarted replica never inherits a dead one's
// claims as its own.
func replicaName() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// clusterOptions is what serve passes to wireCluster.
type clusterOptions struct {
	Every       time.Duration // --rescore-every
	RangePeople int           // --rescore-range
	Claim       time.Duration // --rescore-claim
	Keep        int           // --rescore-keep
	Debounce    time.Duration // --rescore-debounce
	Logger      *slog.Logger
}

// wireCluster starts the replica's part in the deployment: the full
// rescore's queue (and its schedule when elected), the rescore of people
// pending after their events, and the watcher that reloads the active
// model and the product policies when any replica changes them. It returns
// the refresher, which accepted events hint.
func wireCluster(ctx context.Context, st *store, svc *score.Service, catalog *policy.Catalog, o clusterOptions) (*score.PendingRefresher, error) {
	cs := st.Cluster()
	holder := replicaName()
	rescorer := &score.Rescorer{Service: svc, Queue: cs, Holder: holder, Every: o.Every, RangePeople: o.RangePeople, Claim: o.Claim, Keep: o.Keep}
	svc.Runs = rescorer
	go rescorer.Run(ctx)
	// Before any event is accepted: where pending starts is fixed now.
	if _, err := cs.ClaimPending(ctx, holder, 0, o.Claim); err != nil {
		return nil, err
	}
	pending := &score.PendingRefresher{Service: svc, Pending: cs, Holder: holder, Debounce: o.Debounce, Claim: o.Claim}
	go pending.Run(ctx)
	decisions := trustOf(st).Decisions
	w := &cluster.Watcher{Feed: cs, Log: o.Logger, Reload: map[string]func(context.Context) error{
		sesame.TopicModel: func(ctx context.Context) error {
			_, err := svc.Load(ctx)
			if code := sesame.ErrorCode(err); code == sesame.ENOTFOUND || code == sesame.EUNAVAILABLE {
				return nil // none active yet: nothing to reload
			}
			return err
		},
		sesame.TopicPolicy: func(ctx context.Context) error {
			up, err := decisions.ActiveProducts(ctx)
			if err != nil {
				return err
			}
			return catalog.Replace(up)
		},
		// Partners and their keys are read from the database on every
		// request: nothing is cached to reload.
	}}
	go w.Run(ctx)
	return pending, nil
}
