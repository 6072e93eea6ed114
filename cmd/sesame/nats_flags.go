package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	sesamenats "github.com/sesame-credit/sesame/nats"
)

// natsFlags registers the names and limits of serve's JetStream stream and
// consumer on fs, each defaulting to its SESAME_NATS_* variable. Two
// deployments sharing one NATS give each other's names apart: a stream and
// subject prefix each, or one durable consumer would split their events.
// check, called after parsing, reports a malformed variable or value.
func natsFlags(fs *flag.FlagSet) (cfg *sesamenats.Config, check func() error) {
	cfg = &sesamenats.Config{}
	var envErr error
	envInt := func(key string) int64 {
		v := os.Getenv(key)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil && envErr == nil {
			envErr = fmt.Errorf("%s=%q is not a whole number", key, v)
		}
		return n
	}
	envDur := func(key string) time.Duration {
		d, err := envDuration(key)
		if err != nil && envErr == nil {
			envErr = err
		}
		return d
	}
	fs.StringVar(&cfg.Stream, "nats-stream", envOr("SESAME_NATS_STREAM", sesamenats.DefaultStream), "JetStream stream `NAME` (env SESAME_NATS_STREAM)")
	fs.StringVar(&cfg.Prefix, "nats-subject", envOr("SESAME_NATS_SUBJECT", sesamenats.DefaultPrefix), "subject `PREFIX`: sources publish on PREFIX.<source>, rejections go to PREFIX.rejected (env SESAME_NATS_SUBJECT)")
	fs.StringVar(&cfg.Durable, "nats-consumer", envOr("SESAME_NATS_CONSUMER", sesamenats.DefaultDurable), "durable consumer `NAME`, shared by the replicas of one deployment (env SESAME_NATS_CONSUMER)")
	replicas := fs.Int("nats-replicas", int(envInt("SESAME_NATS_REPLICAS")), "`N` copies of the stream when serve creates it: 3 on a 3-node cluster (env SESAME_NATS_REPLICAS; default 1); an existing stream keeps its own")
	fs.DurationVar(&cfg.MaxAge, "nats-max-age", envDur("SESAME_NATS_MAX_AGE"), "drop stream messages older than `AGE` when serve creates the stream (env SESAME_NATS_MAX_AGE; 0: kept until another limit); an existing stream keeps its own")
	fs.Int64Var(&cfg.MaxBytes, "nats-max-bytes", envInt("SESAME_NATS_MAX_BYTES"), "the stream's size limit in `BYTES` when serve creates it (env SESAME_NATS_MAX_BYTES; 0: none); an existing stream keeps its own")
	return cfg, func() error {
		if envErr != nil {
			return envErr
		}
		cfg.Replicas = *replicas
		if *replicas < 0 {
			return fmt.Errorf("--nats-replicas must be 1 to 5")
		}
		return cfg.Check()
	}
}
