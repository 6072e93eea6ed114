package nats

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sesame-credit/sesame"
)

// DefaultMaxMessage is the largest message a Publisher sends; NATS servers
// accept 1 MiB by default.
const DefaultMaxMessage = 900 << 10

// Publisher is the helper a source uses to send events: it groups them into
// NDJSON messages on Prefix.<source> and returns once the stream has stored
// each message (not yet the ledger: the consumer does that, at least once).
type Publisher struct {
	js  jetstream.JetStream
	cfg Config
	// MaxMessage bounds one message in bytes (default DefaultMaxMessage).
	MaxMessage int
}

// NewPublisher returns a publisher on cfg's subjects.
func NewPublisher(js jetstream.JetStream, cfg Config) *Publisher {
	return &Publisher{js: js, cfg: cfg.withDefaults(), MaxMessage: DefaultMaxMessage}
}

// Publish sends events, in order, as few messages as the size limit allows;
// events of different sources go to their own subjects. Each message carries
// a Nats-Msg-Id derived from its content, so publishing the same events
// again within two minutes stores nothing twice in the stream (and after
// that the ledger reports them as duplicates).
func (p *Publisher) Publish(ctx context.Context, events []sesame.Event) error {
	var buf []byte
	source := ""
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := p.PublishNDJSON(ctx, source, buf)
		buf = buf[:0]
		return err
	}
	for i := range events {
		e := &events[i]
		line, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("nats: event %d: %w", i, err)
		}
		if e.Source != source || len(buf)+len(line)+1 > p.MaxMessage {
			if err := flush(); err != nil {
				return err
			}
			source = e.Source
		}
		buf = append(buf, line...)
		buf = append(buf, '\n')
	}
	return flush()
}

// PublishNDJSON sends one message of NDJSON events (or one JSON event) of
// source as it is, waiting for the stream's acknowledgement.
func (p *Publisher) PublishNDJSON(ctx context.Context, source string, data []byte) error {
	if !sesame.ValidID(source) || source == RejectedToken {
		return sesame.Errorf(sesame.EINVALID, "nats: %q cannot be a source's subject token", source)
	}
	if len(data) > p.MaxMessage {
		return sesame.Errorf(sesame.ETOOLARGE, "nats: a message of %d bytes is over the limit of %d; split it", len(data), p.MaxMessage)
	}
	sum := sha256.Sum256(data)
	_, err := p.js.Publish(ctx, p.cfg.SourceSubject(source), data, jetstream.WithMsgID(hex.EncodeToString(sum[:16])))
	if err != nil {
		return fmt.Errorf("nats: publish to %s: %w", p.cfg.SourceSubject(source), err)
	}
	return nil
}

// PublishWatermark tells the consumer that source's data is complete up to
// completeTo: a message with the CompleteToHeader and no events. Publishing
// it again is harmless (a watermark never moves back).
func (p *Publisher) PublishWatermark(ctx context.Context, source string, completeTo time.Time) error {
	if !sesame.ValidID(source) || source == RejectedToken {
		return sesame.Errorf(sesame.EINVALID, "nats: %q cannot be a source's subject token", source)
	}
	v := completeTo.UTC().Format(time.RFC3339Nano)
	msg := &natsgo.Msg{Subject: p.cfg.SourceSubject(source), Header: natsgo.Header{}}
	msg.Header.Set(CompleteToHeader, v)
	if _, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID("watermark-"+source+"-"+v)); err != nil {
		return fmt.Errorf("nats: publish watermark to %s: %w", msg.Subject, err)
	}
	return nil
}
