// Package cluster keeps what each replica of a deployment caches (the
// active model, the product policies) in step with the shared database.
package cluster

import (
	"context"
	"log/slog"
	"time"

	"github.com/sesame-credit/sesame"
)

// Watcher reloads a replica's caches when another replica, or a CLI
// command, changes what they hold. It compares the feed's epochs every
// Poll and whenever the feed's push (PostgreSQL's LISTEN) hints at a
// change: the push makes a reload take milliseconds, the poll makes a lost
// notification cost at most Poll.
type Watcher struct {
	Feed sesame.ChangeFeed
	// Reload is called with a topic's name when its epoch moved; an error
	// leaves the epoch unseen, so the reload is tried again.
	Reload map[string]func(context.Context) error
	Poll   time.Duration // default 1 s
	Log    *slog.Logger
}

// Run follows the feed until ctx ends. It first reloads every topic once,
// so that a change committed between the caches' first load and the first
// epochs read is not missed.
func (w *Watcher) Run(ctx context.Context) {
	poll := w.Poll
	if poll <= 0 {
		poll = time.Second
	}
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	wake := make(chan struct{}, 1)
	go func() {
		for ctx.Err() == nil {
			err := w.Feed.Listen(ctx, func() {
				select {
				case wake <- struct{}{}:
				default:
				}
			})
			if err == nil {
				return // no push on this engine, or ctx ended: polling alone
			}
			log.Warn("cluster: change notifications lost; polling until they are back", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(poll):
			}
		}
	}()
	seen := map[string]int64{} // topic → epoch reloaded at
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		epochs, err := w.Feed.Epochs(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("cluster: read change epochs", "err", err)
		}
		for topic, reload := range w.Reload {
			e, ok := epochs[topic]
			last, loaded := seen[topic]
			if err != nil || !ok || (loaded && e == last) {
				continue
			}
			if rerr := reload(ctx); rerr != nil {
				log.Warn("cluster: reload", "topic", topic, "err", rerr)
				continue
			}
			if loaded {
				log.Info("cluster: reloaded after a change", "topic", topic, "epoch", e)
			}
			seen[topic] = e
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}
