package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	sesamenats "github.com/sesame-credit/sesame/nats"
)

// The NATS run: the input published to JetStream as NDJSON messages of
// --http-batch events, stored by the ingestion consumer. The clock runs from
// the first publish to the moment the last event is committed, publisher
// and consumer running at once as in production. Skipped (an error naming
// the address) when no server answers at $SESAME_BENCH_NATS
// (default nats://127.0.0.1:4222).

func init() {
	registerRun(Run{Name: "NATS JetStream consumer", Fn: runNATS})
}

func runNATS(ctx context.Context, env *Env) (Measured, error) {
	url := os.Getenv("SESAME_BENCH_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	nc, js, err := sesamenats.Connect(url, quiet)
	if err != nil {
		return Measured{}, fmt.Errorf("no NATS server (%v); set SESAME_BENCH_NATS or leave this run out with -run", err)
	}
	defer nc.Close()
	bodies, err := splitInput(env.Input, *httpBatch)
	if err != nil {
		return Measured{}, err
	}
	db, err := env.NewDB(ctx, "nats")
	if err != nil {
		return Measured{}, err
	}
	defer db.Close()
	run := fmt.Sprint(time.Now().UnixNano())
	cfg := sesamenats.Config{Stream: "SESAME_BENCH_" + run, Prefix: "bench" + run + ".sesame.events", Durable: "bench-" + run}
	if _, err := sesamenats.EnsureStream(ctx, js, cfg); err != nil {
		return Measured{}, err
	}
	defer js.DeleteStream(context.Background(), cfg.Stream)
	ingested := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sesame_events_ingested_total"}, []string{"transport", "status"})
	c, err := sesamenats.NewConsumer(js, db.Events(), cfg, sesamenats.Options{Logger: quiet, EventsIngested: ingested})
	if err != nil {
		return Measured{}, err
	}
	cctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(cctx) }()
	defer func() { stop(); <-done }()

	pub := sesamenats.NewPublisher(js, cfg)
	defer debug.SetGCPercent(debug.SetGCPercent(400)) // as `sesame serve` does
	start := time.Now()
	for _, b := range bodies {
		if err := pub.PublishNDJSON(ctx, "gen", b); err != nil {
			return Measured{}, err
		}
	}
	accepted := ingested.WithLabelValues("nats", "accepted")
	deadline := time.Now().Add(10 * time.Minute)
	for counter(accepted) < float64(env.N) {
		if time.Now().After(deadline) {
			return Measured{}, fmt.Errorf("NATS: %v of %d events stored after 10 minutes", counter(accepted), env.N)
		}
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(start)
	fmt.Fprintf(os.Stderr, "nats: %d messages of %d events\n", len(bodies), *httpBatch)
	return Measured{Events: env.N, Took: took}, nil
}

func counter(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}
