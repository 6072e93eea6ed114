// Package nats ingests events from a NATS JetStream stream into the ledger:
// sources publish (one event, or an NDJSON batch, per message) on
// sesame.events.<source>; a durable pull consumer stores them and
// acknowledges a message only after the transaction holding its events has
// committed, so a crash at any moment loses nothing (at worst a message is
// delivered again, and its events come back as duplicates). Invalid lines
// are reported on sesame.events.rejected.
//
// The package imports github.com/nats-io/nats.go as natsgo, since it takes
// the name nats itself.
package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of Config.
const (
	DefaultStream  = "SESAME_EVENTS"
	DefaultPrefix  = "sesame.events"
	DefaultDurable = "sesame-ingest"
	// RejectedToken is the last subject token of rejection reports
	// (sesame.events.rejected); no source may be named so.
	RejectedToken = "rejected"
)

// Config names the stream and consumer and bounds the work per round.
// The zero value of a field means its default.
type Config struct {
	Stream  string // JetStream stream name (default SESAME_EVENTS)
	Prefix  string // subject prefix: events on Prefix.>, reports on Prefix.rejected (default sesame.events)
	Durable string // durable consumer name (default sesame-ingest)
	// Fetch is the most messages taken per round (default 256).
	Fetch int
	// MaxEvents is the most events appended in one transaction (default
	// 10,000); a round's messages are split into appends of at most this
	// many events, except that one message is never split.
	MaxEvents int
	// MaxWait is how long a fetch waits for messages (default 500ms); it
	// also bounds how long Run takes to notice its context ending.
	MaxWait time.Duration
	// AckWait is how long JetStream waits for an ack before redelivering
	// (default 30s). A round must finish well within it.
	AckWait time.Duration

	// The stream's settings when Sesame creates it. An existing stream is
	// the operator's: its limits and replicas are left as they are.
	Replicas int           // copies of the stream on a cluster (default 1; 3 on a 3-node cluster)
	MaxAge   time.Duration // messages older than this are dropped (0: no limit)
	MaxBytes int64         // the stream's size limit in bytes (0: no limit)
	MaxMsgs  int64         // the most messages kept (0: no limit)
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Durable == "" {
		c.Durable = DefaultDurable
	}
	if c.Fetch <= 0 {
		c.Fetch = 256
	}
	if c.MaxEvents <= 0 {
		c.MaxEvents = 10_000
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 500 * time.Millisecond
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	return c
}

// Check reports a configuration JetStream would refuse, in words an
// operator can act on: names with characters NATS does not allow.
func (c Config) Check() error {
	c = c.withDefaults()
	if strings.ContainsAny(c.Stream, " \t\r\n.*>/\\") {
		return fmt.Errorf("NATS stream name %q may not hold spaces, '.', '*', '>', '/' or '\\'", c.Stream)
	}
	if strings.ContainsAny(c.Durable, " \t\r\n.*>/\\") {
		return fmt.Errorf("NATS consumer name %q may not hold spaces, '.', '*', '>', '/' or '\\'", c.Durable)
	}
	if strings.ContainsAny(c.Prefix, " \t\r\n*>") || strings.HasPrefix(c.Prefix, ".") || strings.HasSuffix(c.Prefix, ".") || strings.Contains(c.Prefix, "..") {
		return fmt.Errorf("NATS subject prefix %q must be dot-separated tokens without spaces or wildcards, e.g. sesame.events", c.Prefix)
	}
	if c.Replicas > 5 || c.MaxAge < 0 || c.MaxBytes < 0 || c.MaxMsgs < 0 {
		return fmt.Errorf("NATS stream replicas must lie between 1 and 5 and its limits may not be negative")
	}
	return nil
}

// Subjects returns the stream's subjects (Prefix.>).
func (c Config) Subjects() []string { return []string{c.withDefaults().Prefix + ".>"} }

// RejectSubject returns the subject rejection reports go to (Prefix.rejected).
func (c Config) RejectSubject() string { return c.withDefaults().Prefix + "." + RejectedToken }

// SourceSubject returns the subject a source publishes on (Prefix.<source>).
func (c Config) SourceSubject(source string) string { return c.withDefaults().Prefix + "." + source }

// Connect dials the NATS server at url and returns the connection and its
// JetStream context. The connection reconnects forever, logging each change;
// a server that is down at first is retried in the background.
func Connect(url string, logger *slog.Logger) (*natsgo.Conn, jetstream.JetStream, error) {
	if logger == nil {
		logger = slog.Default()
	}
	nc, err := natsgo.Connect(url,
		natsgo.Name("sesame"),
		natsgo.MaxReconnects(-1),
		// A replica starts and serves its API while NATS is away, and
		// begins consuming once it is back.
		natsgo.RetryOnFailedConnect(true),
		natsgo.ReconnectWait(time.Second),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			if err != nil {
				logger.Warn("nats: disconnected", "err", err)
			}
		}),
		natsgo.ReconnectHandler(func(c *natsgo.Conn) { logger.Info("nats: reconnected", "url", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("nats: connect %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("nats: jetstream: %w", err)
	}
	return nc, js, nil
}

// EnsureStream returns cfg's stream, creating it when it does not exist.
// Events are kept on file until a limit (by default none) says otherwise:
// the stream is a buffer in front of the ledger, and the ledger is the
// record. A stream that exists is the operator's, who may have set its
// limits (MaxAge, MaxBytes, …) and replicas by hand: every replica calls
// this at each start, so it never writes them back, and only adds cfg's
// subjects when the stream lacks them.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg Config) (jetstream.Stream, error) {
	cfg = cfg.withDefaults()
	s, err := js.Stream(ctx, cfg.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        cfg.Stream,
			Description: "Sesame: events from sources, before the ledger stores them; rejection reports",
			Subjects:    cfg.Subjects(),
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Replicas:    cfg.Replicas,
			MaxAge:      cfg.MaxAge,
			MaxBytes:    orUnlimited(cfg.MaxBytes),
			MaxMsgs:     orUnlimited(cfg.MaxMsgs),
			Duplicates:  2 * time.Minute, // Nats-Msg-Id de-duplicates a publisher's retries
		})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			// Another replica created it meanwhile.
			s, err = js.Stream(ctx, cfg.Stream)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("nats: stream %s: %w", cfg.Stream, err)
	}
	have := s.CachedInfo().Config
	if missing := missingSubjects(have.Subjects, cfg.Subjects()); len(missing) > 0 {
		have.Subjects = append(have.Subjects, missing...)
		if s, err = js.UpdateStream(ctx, have); err != nil {
			return nil, fmt.Errorf("nats: stream %s: adding subjects %v: %w", cfg.Stream, missing, err)
		}
	}
	return s, nil
}

// orUnlimited is JetStream's "no limit" (-1) for 0.
func orUnlimited(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

// missingSubjects returns the subjects of want that have does not list.
func missingSubjects(have, want []string) []string {
	var missing []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			missing = append(missing, w)
		}
	}
	return missing
}

// isIdle reports whether a fetch error only means that no message came.
func isIdle(err error) bool {
	return err == nil || errors.Is(err, natsgo.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) ||
		errors.Is(err, context.DeadlineExceeded)
}
