package cluster_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/cluster"
	"github.com/sesame-credit/sesame/sqlite"
)

// TestWatcherReloadsChangedTopics: on SQLite (polling alone), a model
// change committed by another writer reloads the model topic within a
// poll, and only it; a failed reload is tried again.
func TestWatcherReloadsChangedTopics(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var models, partners, failures atomic.Int64
	fail := atomic.Bool{}
	w := &cluster.Watcher{Feed: db.Cluster(), Poll: 20 * time.Millisecond, Reload: map[string]func(context.Context) error{
		sesame.TopicModel: func(context.Context) error {
			if fail.Load() {
				failures.Add(1)
				return sesame.Errorf(sesame.EUNAVAILABLE, "not now")
			}
			models.Add(1)
			return nil
		},
		sesame.TopicPartner: func(context.Context) error { partners.Add(1); return nil },
	}}
	go w.Run(ctx)
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s within 2 s", what)
			}
		}
	}
	wait("first load", func() bool { return models.Load() == 1 && partners.Load() == 1 })
	fail.Store(true)
	if err := db.Scores().SaveModel(ctx, sesame.ModelInfo{Version: "m1", Kind: "gam", CreatedAt: time.Now()}, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	wait("a failing reload tried twice", func() bool { return failures.Load() >= 2 })
	fail.Store(false)
	wait("reload after the failure", func() bool { return models.Load() == 2 })
	time.Sleep(100 * time.Millisecond)
	if models.Load() != 2 || partners.Load() != 1 {
		t.Errorf("reloads: model %d, partner %d; want 2 and 1", models.Load(), partners.Load())
	}
}
