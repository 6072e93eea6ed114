package nats

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

// testNATS connects to the JetStream server of the test machine
// (nats://127.0.0.1:4222, or $SESAME_TEST_NATS), skipping when none answers.
func testNATS(t *testing.T) (*natsgo.Conn, jetstream.JetStream) {
	t.Helper()
	addr := os.Getenv("SESAME_TEST_NATS")
	if addr == "" {
		addr = "nats://127.0.0.1:4222"
	}
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			t.Skipf("no NATS server at %s (%v): start nats-server -js, or set SESAME_TEST_NATS", addr, err)
		}
		c.Close()
	}
	nc, js, err := Connect(addr, nil)
	if err != nil {
		t.Skipf("no NATS server at %s (%v)", addr, err)
	}
	t.Cleanup(nc.Close)
	return nc, js
}

// uniqueConfig names a stream, subjects and consumer of this test alone,
// and deletes the stream afterwards.
func uniqueConfig(t *testing.T, js jetstream.JetStream) Config {
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	cfg := Config{
		Stream:  "SESAME_EVENTS_TEST_" + run,
		Prefix:  "test" + run + ".sesame.events",
		Durable: "sesame-ingest-test-" + run,
		MaxWait: 100 * time.Millisecond,
	}
	t.Cleanup(func() { js.DeleteStream(context.Background(), cfg.Stream) })
	return cfg
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openLedger(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sesame.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// runConsumer runs a consumer until the test ends.
func runConsumer(t *testing.T, js jetstream.JetStream, store sesame.EventStore, cfg Config, opt Options) {
	t.Helper()
	c, err := NewConsumer(js, store, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// waitFor polls until cond holds, for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitNothingPending waits until every message was acked or terminated.
func waitNothingPending(t *testing.T, js jetstream.JetStream, cfg Config) {
	t.Helper()
	ctx := context.Background()
	cons, err := js.Consumer(ctx, cfg.Stream, cfg.Durable)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "no message pending", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	})
}

// reportingConsumer runs a consumer on a stream and a ledger of the test's
// own and collects its rejection reports.
func reportingConsumer(t *testing.T) (jetstream.JetStream, Config, *sqlite.DB, <-chan Report) {
	t.Helper()
	nc, js := testNATS(t)
	cfg := uniqueConfig(t, js)
	db := openLedger(t)
	if _, err := EnsureStream(context.Background(), js, cfg); err != nil {
		t.Fatal(err)
	}
	reports := subscribeReports(t, nc, cfg)
	runConsumer(t, js, db.Events(), cfg, Options{Logger: quiet})
	return js, cfg, db, reports
}

// subscribeReports collects the consumer's rejection reports until the test ends.
func subscribeReports(t *testing.T, nc *natsgo.Conn, cfg Config) <-chan Report {
	t.Helper()
	reports := make(chan Report, 10)
	sub, err := nc.Subscribe(cfg.RejectSubject(), func(m *natsgo.Msg) {
		var r Report
		if err := json.Unmarshal(m.Data, &r); err == nil {
			reports <- r
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	return reports
}

func count(t *testing.T, db *sqlite.DB, person string) int {
	page, err := db.Events().Events(context.Background(), sesame.EventFilter{Person: person, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Events)
}

func TestConsumerStoresPublishedEvents(t *testing.T) {
	_, js := testNATS(t)
	cfg := uniqueConfig(t, js)
	db := openLedger(t)
	ctx := context.Background()
	if _, err := EnsureStream(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	ingested := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sesame_events_ingested_total"}, []string{"transport", "status"})
	runConsumer(t, js, db.Events(), cfg, Options{Logger: quiet, EventsIngested: ingested, Registerer: prometheus.NewRegistry()})

	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var events []sesame.Event
	for i := range 250 {
		events = append(events, ledgertest.NewEvent("bank", fmt.Sprint("e", i), "p1", sesame.KindPaymentMade, t0.Add(time.Duration(i)*time.Minute), i))
	}
	pub := NewPublisher(js, cfg)
	pub.MaxMessage = 16 << 10 // several messages
	if err := pub.Publish(ctx, events); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "250 events in the ledger", func() bool { return count(t, db, "p1") == 250 })

	// Publishing again (a source's retry after the dedup window) stores nothing twice.
	line, _ := json.Marshal(&events[0])
	if err := pub.PublishNDJSON(ctx, "bank", append(line, '\n', '\n')); err != nil { // other bytes: not de-duplicated by the stream
		t.Fatal(err)
	}
	waitFor(t, "the duplicate counted", func() bool {
		return counterValue(ingested.WithLabelValues("nats", "duplicate")) == 1
	})
	if n := count(t, db, "p1"); n != 250 {
		t.Fatalf("%d events after a republish, want 250", n)
	}
	if got := counterValue(ingested.WithLabelValues("nats", "accepted")); got != 250 {
		t.Fatalf("accepted counter %v", got)
	}
}

func TestConsumerReportsInvalidLinesAndTermsEmptyMessages(t *testing.T) {
	js, cfg, db, reports := reportingConsumer(t)
	ctx := context.Background()

	good, _ := json.Marshal(ledgertest.NewEvent("bank", "g1", "p2", sesame.KindPaymentMade, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), 1))
	bad := `{"source":"bank","id":"b1","person":"p2","kind":"payment.made","occurred_at":"2026-03-01T09:00:00","payload":{}}`
	pub := NewPublisher(js, cfg)
	// A mixed message: the good line is stored, the bad one reported.
	if err := pub.PublishNDJSON(ctx, "bank", []byte(string(good)+"\n"+bad+"\n")); err != nil {
		t.Fatal(err)
	}
	// Events of another source on the bank's subject: not stored.
	other, _ := json.Marshal(ledgertest.NewEvent("shop", "s1", "p2", sesame.KindPaymentMade, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), 1))
	if err := pub.PublishNDJSON(ctx, "bank", other); err != nil {
		t.Fatal(err)
	}
	// A message with nothing storable: reported and terminated.
	if err := pub.PublishNDJSON(ctx, "bank", []byte("not json at all")); err != nil {
		t.Fatal(err)
	}
	var mixed, none, wrongSource Report
	for n := 0; n < 3; n++ {
		select {
		case r := <-reports:
			switch {
			case r.Stored == 1:
				mixed = r
			case len(r.Lines) == 1 && r.Lines[0].Field == "source":
				wrongSource = r
			default:
				none = r
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d reports", n)
		}
	}
	if wrongSource.Stored != 0 || wrongSource.Lines[0].ID != "s1" || !strings.Contains(wrongSource.Lines[0].Reason, "shop") {
		t.Fatalf("wrong-source report %+v", wrongSource)
	}
	if len(mixed.Lines) != 1 || mixed.Lines[0].Line != 2 || mixed.Lines[0].ID != "b1" || mixed.Lines[0].Field != "occurred_at" {
		t.Fatalf("mixed message report %+v", mixed)
	}
	if len(none.Lines) != 1 || !strings.Contains(none.Lines[0].Reason, "JSON") {
		t.Fatalf("invalid message report %+v", none)
	}
	waitFor(t, "the good line stored", func() bool { return count(t, db, "p2") == 1 })
	// Nothing is left pending: every message was acked or terminated.
	waitNothingPending(t, js, cfg)
}

// TestConsumerRedeliversWhenTheStoreFails shows that a message is not
// acknowledged until its events are committed: with the store closed the
// events stay in the stream, and a consumer on a working store (the restart
// after a crash) stores them.
func TestConsumerRedeliversWhenTheStoreFails(t *testing.T) {
	_, js := testNATS(t)
	cfg := uniqueConfig(t, js)
	cfg.AckWait = time.Second
	ctx := context.Background()
	if _, err := EnsureStream(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	broken := openLedger(t)
	broken.Close()
	c, err := NewConsumer(js, broken.Events(), cfg, Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	line, _ := json.Marshal(ledgertest.NewEvent("bank", "r1", "p3", sesame.KindPaymentMade, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), 1))
	if err := NewPublisher(js, cfg).PublishNDJSON(ctx, "bank", line); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	c.Run(rctx) // fails to store, nacks, retries until the deadline
	cancel()

	db := openLedger(t)
	runConsumer(t, js, db.Events(), cfg, Options{Logger: quiet})
	waitFor(t, "the event stored after the store came back", func() bool { return count(t, db, "p3") == 1 })
}

func TestPublisherRefusesBadSources(t *testing.T) {
	_, js := testNATS(t)
	p := NewPublisher(js, uniqueConfig(t, js))
	for _, s := range []string{"", "rejected", "a b", "*"} {
		if err := p.PublishNDJSON(context.Background(), s, []byte("{}")); sesame.ErrorCode(err) != sesame.EINVALID {
			t.Errorf("source %q: %v", s, err)
		}
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}

// A source's watermark travels as a message header, alone or with events;
// a bad one is reported and moves nothing.
func TestConsumerSetsWatermarks(t *testing.T) {
	_, js := testNATS(t)
	cfg := uniqueConfig(t, js)
	db := openLedger(t)
	ctx := context.Background()
	if _, err := EnsureStream(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	runConsumer(t, js, db.Events(), cfg, Options{Logger: quiet, Registerer: prometheus.NewRegistry(), Watermarks: db.Watermarks()})
	pub := NewPublisher(js, cfg)
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := pub.PublishWatermark(ctx, "bank", nov); err != nil {
		t.Fatal(err)
	}
	watermark := func(source string) time.Time {
		ws, err := db.Watermarks().Watermarks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			if w.Source == source {
				return w.CompleteTo
			}
		}
		return time.Time{}
	}
	waitFor(t, "bank's watermark", func() bool { return watermark("bank").Equal(nov) })

	// With events: the header moves the watermark once they are stored.
	e := ledgertest.NewEvent("bank", "w1", "p1", sesame.KindPaymentMade, nov.Add(24*time.Hour), 1)
	line, _ := json.Marshal(&e)
	dec := nov.AddDate(0, 1, 0)
	msg := &natsgo.Msg{Subject: cfg.SourceSubject("bank"), Data: line, Header: natsgo.Header{}}
	msg.Header.Set(CompleteToHeader, dec.Format(time.RFC3339))
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the watermark moved with the events", func() bool { return watermark("bank").Equal(dec) && count(t, db, "p1") == 1 })

	// A malformed header is refused and reported; the watermark stays.
	bad := &natsgo.Msg{Subject: cfg.SourceSubject("shop"), Header: natsgo.Header{}}
	bad.Header.Set(CompleteToHeader, "yesterday")
	if _, err := js.PublishMsg(ctx, bad); err != nil {
		t.Fatal(err)
	}
	sub, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{FilterSubject: cfg.RejectSubject(), DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		t.Fatal(err)
	}
	m, err := sub.Next(jetstream.FetchMaxWait(10 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(m.Data(), &r); err != nil || len(r.Lines) != 1 || r.Lines[0].Field != CompleteToHeader {
		t.Fatalf("report %s (%v)", m.Data(), err)
	}
	if w := watermark("shop"); !w.IsZero() {
		t.Fatalf("a malformed header set shop's watermark to %s", w)
	}
}

// TestConsumerRefusesErasedPeople: an erased person's events still in the
// stream, delivered again (a consumer replaying from an earlier time), or
// new ones, are reported as erased and not stored; the message is settled.
func TestConsumerRefusesErasedPeople(t *testing.T) {
	js, cfg, db, reports := reportingConsumer(t)
	ctx := context.Background()

	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	first, _ := json.Marshal(ledgertest.NewEvent("bank", "x1", "p3", sesame.KindPaymentMade, t0, 1))
	pub := NewPublisher(js, cfg)
	if err := pub.PublishNDJSON(ctx, "bank", append(first, '\n')); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "p3's event stored", func() bool { return count(t, db, "p3") == 1 })
	if _, err := db.Eraser().ErasePerson(ctx, "p3", "person", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	later, _ := json.Marshal(ledgertest.NewEvent("bank", "x2", "p3", sesame.KindPaymentMade, t0.Add(2*time.Hour), 2))
	other, _ := json.Marshal(ledgertest.NewEvent("bank", "y1", "p4", sesame.KindPaymentMade, t0, 3))
	if err := pub.PublishNDJSON(ctx, "bank", []byte(string(first)+"\n"+string(later)+"\n"+string(other)+"\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-reports:
		if r.Stored != 1 || len(r.Lines) != 2 || r.Lines[0].Status != sesame.Erased || r.Lines[1].ID != "x2" || !strings.Contains(r.Lines[0].Reason, "erased") {
			t.Fatalf("report %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no report")
	}
	waitFor(t, "p4's event stored", func() bool { return count(t, db, "p4") == 1 })
	if n := count(t, db, "p3"); n != 0 {
		t.Fatalf("p3 has %d events after the erasure", n)
	}
	waitNothingPending(t, js, cfg)
}
