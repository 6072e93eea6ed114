package nats

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
)

// A stream that exists is the operator's: starting again (every replica,
// every deploy) must not put back the limits Sesame would have created it
// with.
func TestEnsureStreamKeepsTheOperatorsLimits(t *testing.T) {
	_, js := testNATS(t)
	ctx := context.Background()
	cfg := uniqueConfig(t, js)
	cfg.MaxAge = time.Hour
	cfg.MaxBytes = 64 << 20
	s, err := EnsureStream(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := s.CachedInfo().Config
	if got.MaxAge != time.Hour || got.MaxBytes != 64<<20 || got.MaxMsgs != -1 || got.Replicas != 1 || got.Storage != jetstream.FileStorage {
		t.Fatalf("created with MaxAge %v MaxBytes %d MaxMsgs %d Replicas %d Storage %v", got.MaxAge, got.MaxBytes, got.MaxMsgs, got.Replicas, got.Storage)
	}

	// The operator changes the limits by hand (nats stream edit).
	got.MaxAge, got.MaxBytes, got.MaxMsgs = 72*time.Hour, 1<<30, 5_000_000
	if _, err := js.UpdateStream(ctx, got); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s, err = EnsureStream(ctx, js, cfg)
		if err != nil {
			t.Fatal(err)
		}
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := info.Config; c.MaxAge != 72*time.Hour || c.MaxBytes != 1<<30 || c.MaxMsgs != 5_000_000 {
		t.Fatalf("after a restart: MaxAge %v MaxBytes %d MaxMsgs %d; want the operator's 72h, 1 GiB, 5,000,000", c.MaxAge, c.MaxBytes, c.MaxMsgs)
	}
}

// A stream the operator made with other subjects gets Sesame's added, and
// keeps its own.
func TestEnsureStreamAddsOnlyMissingSubjects(t *testing.T) {
	_, js := testNATS(t)
	ctx := context.Background()
	cfg := uniqueConfig(t, js)
	other := "other" + cfg.Prefix + ".>"
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: cfg.Stream, Subjects: []string{other}, MaxAge: 5 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	s, err := EnsureStream(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := s.CachedInfo().Config
	if !slices.Contains(c.Subjects, other) || !slices.Contains(c.Subjects, cfg.Prefix+".>") || c.MaxAge != 5*time.Hour {
		t.Fatalf("subjects %v, MaxAge %v; want both subjects and the 5h kept", c.Subjects, c.MaxAge)
	}
}

// Two deployments on one NATS, each with its own stream, subjects and
// consumer: each ledger gets all of its own events and none of the other's
// (with the names fixed, the two shared one durable consumer and each got
// about half of both).
func TestTwoDeploymentsOnOneNATS(t *testing.T) {
	_, js := testNATS(t)
	ctx := context.Background()
	a, b := uniqueConfig(t, js), uniqueConfig(t, js)
	b.Stream, b.Prefix, b.Durable = a.Stream+"_B", "b"+a.Prefix, a.Durable+"-b"
	t.Cleanup(func() { js.DeleteStream(context.Background(), b.Stream) })
	dbA, dbB := openLedger(t), openLedger(t)
	for _, d := range []struct {
		cfg   Config
		store sesame.EventStore
	}{{a, dbA.Events()}, {b, dbB.Events()}} {
		if _, err := EnsureStream(ctx, js, d.cfg); err != nil {
			t.Fatal(err)
		}
		// Two replicas of each deployment on its durable consumer.
		runConsumer(t, js, d.store, d.cfg, Options{Logger: quiet})
		runConsumer(t, js, d.store, d.cfg, Options{Logger: quiet})
	}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	publish := func(cfg Config, person string) {
		var events []sesame.Event
		for i := range 200 {
			events = append(events, ledgertest.NewEvent("bank", fmt.Sprint(person, "-", i), person, sesame.KindPaymentMade, t0.Add(time.Duration(i)*time.Minute), i))
		}
		pub := NewPublisher(js, cfg)
		pub.MaxMessage = 4 << 10 // many messages, so that both replicas take some
		if err := pub.Publish(ctx, events); err != nil {
			t.Fatal(err)
		}
	}
	publish(a, "pa")
	publish(b, "pb")
	waitFor(t, "200 events in each ledger", func() bool { return count(t, dbA, "pa") == 200 && count(t, dbB, "pb") == 200 })
	time.Sleep(300 * time.Millisecond) // time for a stray delivery to land
	if n, m := count(t, dbA, "pb"), count(t, dbB, "pa"); n != 0 || m != 0 {
		t.Fatalf("deployment A stored %d of B's events, B %d of A's", n, m)
	}
	t.Logf("A: %d of its 200, 0 of B's; B: %d of its 200, 0 of A's", count(t, dbA, "pa"), count(t, dbB, "pb"))
}

func TestConfigCheck(t *testing.T) {
	if err := (Config{}).Check(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if err := (Config{Stream: "ACME_EVENTS", Prefix: "acme.sesame.events", Durable: "acme-ingest", Replicas: 3, MaxAge: time.Hour}).Check(); err != nil {
		t.Fatalf("a valid config: %v", err)
	}
	for _, c := range []Config{
		{Stream: "a.b"}, {Stream: "a b"}, {Durable: "x*"}, {Prefix: "a.>"}, {Prefix: ".a"}, {Prefix: "a..b"},
		{Replicas: 7}, {MaxAge: -time.Second}, {MaxBytes: -1},
	} {
		err := c.Check()
		if err == nil || !strings.Contains(err.Error(), "NATS") {
			t.Errorf("%+v: %v; want an error naming NATS", c, err)
		}
	}
}
