package nats

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ingest"
)

// Consumer moves events from the stream into the ledger. Run it once per
// process; several processes may run it on the same durable consumer (each
// message goes to one of them).
type Consumer struct {
	js     jetstream.JetStream
	store  sesame.EventStore
	cfg    Config
	logger *slog.Logger
	now    func() time.Time
	marks  sesame.WatermarkStore

	events     *prometheus.CounterVec // transport, status
	messages   *prometheus.CounterVec // outcome
	sourceSeen *prometheus.GaugeVec   // source; nil: not kept
}

// Options wire a consumer into the process: logging and metrics. The zero
// value logs to slog's default and keeps metrics unregistered.
type Options struct {
	Logger *slog.Logger
	// EventsIngested is the sesame_events_ingested_total counter
	// (labels transport, status) to add this consumer's events to, so that
	// HTTP and NATS ingestion show in one metric; http.Metrics has it.
	EventsIngested *prometheus.CounterVec
	// Registerer receives the consumer's own metrics (messages by outcome).
	Registerer prometheus.Registerer
	// Watermarks, when set, takes the CompleteToHeader of a message: the
	// source's data is complete up to that time.
	Watermarks sesame.WatermarkStore
	// SourceLastAccepted, when set, is the gauge (label source) of when each
	// source last had an event accepted; http.BusinessMetrics has it.
	SourceLastAccepted *prometheus.GaugeVec
}

// CompleteToHeader is the message header by which a source says its data is
// complete up to a time (RFC 3339). Once the message's events are stored
// with no line rejected, the source's watermark moves to it; a message may
// carry the header alone, with an empty body.
const CompleteToHeader = "Sesame-Complete-To"

// NewConsumer returns a consumer of cfg's stream storing into store.
func NewConsumer(js jetstream.JetStream, store sesame.EventStore, cfg Config, opt Options) (*Consumer, error) {
	c := &Consumer{js: js, store: store, cfg: cfg.withDefaults(), logger: opt.Logger, now: time.Now, events: opt.EventsIngested,
		sourceSeen: opt.SourceLastAccepted, marks: opt.Watermarks}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.events == nil {
		c.events = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sesame_events_ingested_total"}, []string{"transport", "status"})
	}
	c.messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sesame_nats_messages_total",
		Help: "JetStream messages handled, by outcome: acked (stored or duplicate), termed (nothing storable), nacked (to retry), skipped (rejection reports).",
	}, []string{"outcome"})
	if opt.Registerer != nil {
		if err := opt.Registerer.Register(c.messages); err != nil {
			return nil, fmt.Errorf("nats: metrics: %w", err)
		}
	}
	return c, nil
}

// Run consumes until ctx ends, then returns nil once the round in progress
// has finished (its messages acknowledged or left for redelivery). Store
// failures do not end it: the messages are redelivered after a pause.
func (c *Consumer) Run(ctx context.Context) error {
	stream, err := EnsureStream(ctx, c.js, c.cfg)
	if err != nil {
		return err
	}
	// Like the stream, a durable consumer that exists is left as the
	// operator (or the first replica) made it.
	cons, err := stream.Consumer(ctx, c.cfg.Durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		cons, err = stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
			Durable:       c.cfg.Durable,
			Description:   "Sesame ledger ingestion",
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       c.cfg.AckWait,
			DeliverPolicy: jetstream.DeliverAllPolicy,
			MaxAckPending: 4 * c.cfg.Fetch,
		})
	}
	if err != nil {
		return fmt.Errorf("nats: consumer %s: %w", c.cfg.Durable, err)
	}
	c.logger.Info("nats: consuming", "stream", c.cfg.Stream, "subjects", c.cfg.Subjects(), "durable", c.cfg.Durable)
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
		}
		batch, err := cons.Fetch(c.cfg.Fetch, jetstream.FetchMaxWait(c.cfg.MaxWait))
		if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrStreamNotFound) {
			// Gone (deleted, or a server that lost its state): the caller
			// runs Run again, which makes them anew.
			return fmt.Errorf("nats: consumer %s: %w", c.cfg.Durable, err)
		}
		if err != nil {
			c.logger.Warn("nats: fetch failed", "err", err)
			backoff = nextBackoff(backoff)
			continue
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			msgs = append(msgs, m)
		}
		if err := batch.Error(); !isIdle(err) {
			c.logger.Warn("nats: fetch ended early", "err", err, "messages", len(msgs))
		}
		// The round runs to its end even when ctx ends meanwhile, so that
		// what was committed is also acknowledged.
		if err := c.handle(context.WithoutCancel(ctx), msgs); err != nil {
			c.logger.Error("nats: round failed; its messages will be redelivered", "err", err, "messages", len(msgs))
			backoff = nextBackoff(backoff)
			continue
		}
		backoff = 0
	}
	return nil
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 100 * time.Millisecond
	}
	return min(2*d, 5*time.Second)
}

// message is one fetched message, decoded.
type message struct {
	msg    jetstream.Msg
	events []sesame.Event // its valid events
	lines  []Rejection    // its lines that are not stored
	stored int            // its lines accepted or duplicate
	// source is the subject's source; completeTo its CompleteToHeader
	// (zero: none).
	source     string
	completeTo time.Time
}

// handle stores the events of msgs in transactions of at most MaxEvents
// events (a message is never split) and settles each message. It returns
// an error only when the store failed; the messages not yet settled are
// then nacked, to be redelivered.
func (c *Consumer) handle(ctx context.Context, msgs []jetstream.Msg) error {
	var decoded []*message
	for _, m := range msgs {
		if m.Subject() == c.cfg.RejectSubject() {
			m.Ack() // our own reports share the stream; they are not events
			c.messages.WithLabelValues("skipped").Inc()
			continue
		}
		decoded = append(decoded, c.decode(m))
	}
	start, n := 0, 0
	for i, dm := range decoded {
		if i > start && n+len(dm.events) > c.cfg.MaxEvents {
			if err := c.flush(ctx, decoded[start:i]); err != nil {
				c.nakAll(decoded[start:])
				return err
			}
			start, n = i, 0
		}
		n += len(dm.events)
	}
	if start < len(decoded) {
		if err := c.flush(ctx, decoded[start:]); err != nil {
			c.nakAll(decoded[start:])
			return err
		}
	}
	return nil
}

// decode reads a message as NDJSON: one event per line, or one event.
func (c *Consumer) decode(m jetstream.Msg) *message {
	source := strings.TrimPrefix(m.Subject(), c.cfg.Prefix+".")
	dm := &message{msg: m, source: source}
	now := c.now()
	if h := m.Headers().Get(CompleteToHeader); h != "" {
		to, err := time.Parse(time.RFC3339Nano, h)
		switch {
		case c.marks == nil:
			dm.lines = append(dm.lines, Rejection{Status: sesame.Rejected, Field: CompleteToHeader, Reason: "this consumer keeps no watermarks"})
		case err != nil:
			dm.lines = append(dm.lines, Rejection{Status: sesame.Rejected, Field: CompleteToHeader, Reason: "must be an RFC 3339 time such as 2026-12-01T00:00:00Z"})
		default:
			if err := sesame.ValidateWatermark(source, to, now); err != nil {
				dm.lines = append(dm.lines, Rejection{Status: sesame.Rejected, Field: CompleteToHeader, Reason: sesame.ErrorMessage(err)})
			} else {
				dm.completeTo = to
			}
		}
	}
	dec, _ := ingest.NewDecoder(bytes.NewReader(m.Data()), ingest.Options{Format: ingest.NDJSON, Now: func() time.Time { return now }})
	for {
		rec, err := dec.Next()
		if err == io.EOF {
			break
		}
		if err != nil { // a bytes.Reader does not fail; be safe anyway
			dm.lines = append(dm.lines, Rejection{Status: sesame.Rejected, Reason: err.Error()})
			break
		}
		if rec.Err != nil {
			// Like the HTTP answer: the first bad field and why, and all of
			// them when there are several.
			r := Rejection{Line: rec.Line, Status: sesame.Rejected, Reason: sesame.ErrorMessage(rec.Err)}
			var e *sesame.Error
			if errors.As(rec.Err, &e) && len(e.Details) > 0 {
				r.Field, r.Reason = e.Details[0].Field, e.Details[0].Reason
				if len(e.Details) > 1 {
					r.Details = e.Details
				}
			}
			var k struct {
				Source any `json:"source"`
				ID     any `json:"id"`
			}
			json.Unmarshal(rec.Raw, &k)
			r.Source, _ = k.Source.(string)
			r.ID, _ = k.ID.(string)
			dm.lines = append(dm.lines, r)
			continue
		}
		if rec.Event.Source != source {
			// The subject is what NATS permissions guard: a source allowed to
			// publish on Prefix.bank only must not slip in another's events.
			dm.lines = append(dm.lines, Rejection{Line: rec.Line, Source: rec.Event.Source, ID: rec.Event.ID, Status: sesame.Rejected,
				Field: "source", Reason: "published on " + m.Subject() + ", which carries the events of source " + quoteName(source) + " only; publish on " + c.cfg.SourceSubject(rec.Event.Source)})
			continue
		}
		dm.events = append(dm.events, rec.Event)
	}
	if len(dm.lines) == 0 && len(dm.events) == 0 && dm.completeTo.IsZero() {
		dm.lines = append(dm.lines, Rejection{Status: sesame.Rejected, Reason: "the message holds no events; publish one JSON event per line"})
	}
	return dm
}

// flush appends events in one transaction, then reports rejections and
// settles each message of group: Ack when any of its lines is stored (now
// or before), Term when none could be. Nothing is acknowledged before the
// commit.
func (c *Consumer) flush(ctx context.Context, group []*message) error {
	var events []sesame.Event
	for _, dm := range group {
		events = append(events, dm.events...)
	}
	var results []sesame.AppendResult
	if len(events) > 0 {
		var err error
		if results, err = c.store.Append(ctx, events); err != nil {
			return fmt.Errorf("append %d events: %w", len(events), err)
		}
		if len(results) != len(events) {
			return fmt.Errorf("store returned %d results for %d events", len(results), len(events))
		}
	}
	next := 0
	for _, dm := range group {
		for _, e := range dm.events {
			st := results[next].Status
			next++
			c.events.WithLabelValues("nats", string(st)).Inc()
			if st == sesame.Accepted && c.sourceSeen != nil {
				c.sourceSeen.WithLabelValues(e.Source).Set(float64(c.now().UnixNano()) / 1e9)
			}
			switch st {
			case sesame.Accepted, sesame.Duplicate:
				dm.stored++
			case sesame.Conflict:
				dm.lines = append(dm.lines, Rejection{Source: e.Source, ID: e.ID, Status: sesame.Conflict,
					Reason: "an event with this source and id is already stored with a different body; send a correction under a new id"})
			case sesame.Erased:
				dm.lines = append(dm.lines, Rejection{Source: e.Source, ID: e.ID, Status: sesame.Erased,
					Reason: "the person was erased; events for them are not stored"})
			}
		}
		rejectedLines := 0
		for _, l := range dm.lines {
			if l.Status == sesame.Rejected {
				rejectedLines++
			}
		}
		if rejectedLines > 0 {
			c.events.WithLabelValues("nats", string(sesame.Rejected)).Add(float64(rejectedLines))
		}
		if len(dm.lines) > 0 {
			if err := c.report(ctx, dm); err != nil {
				// The events are stored; redelivery makes them duplicates
				// and gives the report another chance.
				c.logger.Warn("nats: could not publish a rejection report; the message will be redelivered", "err", err)
				dm.msg.NakWithDelay(time.Second)
				c.messages.WithLabelValues("nacked").Inc()
				continue
			}
		}
		handled := dm.stored > 0
		if !dm.completeTo.IsZero() && len(dm.lines) == 0 {
			// Only a message stored whole vouches for the source's data.
			if _, err := c.marks.SetWatermark(ctx, dm.source, dm.completeTo); err != nil {
				c.logger.Warn("nats: could not set a source's watermark; the message will be redelivered", "source", dm.source, "err", err)
				dm.msg.NakWithDelay(time.Second)
				c.messages.WithLabelValues("nacked").Inc()
				continue
			}
			handled = true // a watermark alone is a message handled too
		}
		if handled {
			dm.msg.Ack()
			c.messages.WithLabelValues("acked").Inc()
		} else {
			// Term, not TermWithReason: servers before 2.10.4 ignore the
			// latter and leave the message pending. The report says why.
			dm.msg.Term()
			c.messages.WithLabelValues("termed").Inc()
		}
	}
	return nil
}

func quoteName(s string) string { return `"` + s + `"` }

func (c *Consumer) nakAll(group []*message) {
	for _, dm := range group {
		dm.msg.NakWithDelay(time.Second)
		c.messages.WithLabelValues("nacked").Inc()
	}
}

// Rejection is one line of a message that was not stored, as reported on
// the reject subject.
type Rejection struct {
	Line    int                 `json:"line,omitempty"`
	Source  string              `json:"source,omitempty"`
	ID      string              `json:"id,omitempty"`
	Status  sesame.AppendStatus `json:"status"` // rejected, conflict or erased
	Field   string              `json:"field,omitempty"`
	Reason  string              `json:"reason"`
	Details []sesame.FieldError `json:"details,omitempty"`
}

// Report is the message published on the reject subject for a message
// with lines that were not stored.
type Report struct {
	Subject   string      `json:"subject"`    // where the message was published
	StreamSeq uint64      `json:"stream_seq"` // its sequence in the stream
	Stored    int         `json:"stored"`     // its lines stored (accepted or duplicate)
	Lines     []Rejection `json:"lines"`
}

func (c *Consumer) report(ctx context.Context, dm *message) error {
	r := Report{Subject: dm.msg.Subject(), Stored: dm.stored, Lines: dm.lines}
	if md, err := dm.msg.Metadata(); err == nil {
		r.StreamSeq = md.Sequence.Stream
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	// The message id makes a report published twice (after a redelivery) stored once.
	_, err = c.js.Publish(ctx, c.cfg.RejectSubject(), b, jetstream.WithMsgID(fmt.Sprintf("rejected-%s-%d", r.Subject, r.StreamSeq)))
	return err
}
