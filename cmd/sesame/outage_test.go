package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	sesamenats "github.com/sesame-credit/sesame/nats"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

// tcpProxy forwards a fixed loopback port to a server. Stop closes the
// listener and every connection through it, as a crashed or partitioned
// server would look to the client; Start listens on the same port again.
// Outages are made this way so that the shared PostgreSQL and NATS servers
// keep running for everyone else.
type tcpProxy struct {
	t      *testing.T
	addr   string // where clients connect
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, addr: freeAddr(t), target: target, conns: map[net.Conn]bool{}}
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

func (p *tcpProxy) Start() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port may linger a moment after Stop
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy: %v", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *tcpProxy) forward(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // stopped meanwhile
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close(); c.Close() }()
	io.Copy(c, s)
	c.Close()
	s.Close()
}

func (p *tcpProxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// TestServeOutages runs `sesame serve` on PostgreSQL and NATS, each reached
// through a proxy the test stops and starts: it starts while NATS is away;
// without NATS the replica stays ready and serves its API; without PostgreSQL it answers 503 with
// Retry-After (never 500) and is not ready; once each is back it serves
// again by itself, and what NATS holds reaches the ledger.
func TestServeOutages(t *testing.T) {
	pgURL := pgtest.FreshURL(t)
	natsURL := os.Getenv("SESAME_TEST_NATS")
	if natsURL == "" {
		natsURL = "nats://127.0.0.1:4222"
	}
	nu, _ := url.Parse(natsURL)
	if c, err := net.DialTimeout("tcp", nu.Host, time.Second); err != nil {
		t.Skipf("no NATS server at %s (%v): start nats-server -js, or set SESAME_TEST_NATS", natsURL, err)
	} else {
		c.Close()
	}
	u, _ := url.Parse(pgURL)
	pgProxy := newTCPProxy(t, u.Host)
	natsProxy := newTCPProxy(t, nu.Host)
	u.Host = pgProxy.addr

	tag := fmt.Sprint(time.Now().UnixNano())
	natsCfg := sesamenats.Config{Stream: "SESAME_OUTAGE_" + tag, Prefix: "outage" + tag + ".sesame.events", Durable: "outage-" + tag}
	// NATS is away when the replica starts: it starts anyway.
	natsProxy.Stop()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "--db", u.String(), "--addr", addr, "--metrics-addr", "",
			"--nats", "nats://" + natsProxy.addr, "--nats-stream", natsCfg.Stream, "--nats-subject", natsCfg.Prefix, "--nats-consumer", natsCfg.Durable,
			"--access-key", t.TempDir() + "/access.key", "--operator-token", "op", "--source-token", "bank=bank", "--log-format", "text"})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-code:
		case <-time.After(40 * time.Second):
			t.Error("serve did not stop")
		}
	})
	base := "http://" + addr
	waitReady(t, base)

	do := func(method, path, token, body string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/x-ndjson")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	event := func(id string) string {
		return `{"source":"bank","id":"` + id + `","person":"p1","kind":"payment.made","occurred_at":"2026-03-01T09:30:00Z","payload":{"amount":{"amount":100,"currency":"CNY"},"merchant_category":"5411","channel":"online"}}`
	}
	readiness := func() (int, map[string]string) {
		st, _, body := do("GET", "/readyz", "", "")
		var ans struct{ Checks map[string]string }
		json.Unmarshal([]byte(body), &ans)
		return st, ans.Checks
	}
	// until polls cond for up to 20 s, reporting what it last saw.
	until := func(what string, cond func() (bool, string)) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			ok, last := cond()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20 s; last %s", what, last)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if st, c := readiness(); st != 200 || !strings.HasPrefix(c["nats"], "degraded") {
		t.Fatalf("/readyz of a replica started without NATS: %d %v; want 200 and NATS degraded", st, c)
	}
	if st, _, body := do("POST", "/v1/events", "bank", event("e1")); st != 200 {
		t.Fatalf("ingest: %d %s", st, body)
	}
	natsProxy.Start()
	until("NATS ok in /readyz", func() (bool, string) {
		st, c := readiness()
		return st == 200 && c["nats"] == "ok", fmt.Sprint(st, c)
	})

	// NATS down: still ready, the API serves reads and HTTP ingestion.
	natsProxy.Stop()
	until("NATS shown degraded", func() (bool, string) {
		st, c := readiness()
		if st != 200 {
			t.Fatalf("/readyz %d %v with NATS down; want 200", st, c)
		}
		return strings.HasPrefix(c["nats"], "degraded"), fmt.Sprint(st, c)
	})
	if st, _, body := do("POST", "/v1/events", "bank", event("e2")); st != 200 {
		t.Fatalf("ingest with NATS down: %d %s", st, body)
	}
	if st, _, body := do("GET", "/v1/people/p1/events", "op", ""); st != 200 || !strings.Contains(body, `"e2"`) {
		t.Fatalf("read with NATS down: %d %s", st, body)
	}

	// PostgreSQL down: 503 with Retry-After, never 500, and not ready.
	pgProxy.Stop()
	seen := map[int]int{}
	for i := range 20 {
		for _, r := range []struct{ method, path, token, body string }{
			{"GET", "/v1/people/p1/events", "op", ""},
			{"POST", "/v1/events", "bank", event(fmt.Sprint("down", i))},
			{"GET", "/v1/people/p1/score", "op", ""},
		} {
			st, h, body := do(r.method, r.path, r.token, r.body)
			seen[st]++
			if st != 503 || h.Get("Retry-After") == "" || !strings.Contains(body, `"unavailable"`) {
				t.Fatalf("%s %s with PostgreSQL down: %d Retry-After %q %s; want 503 with Retry-After", r.method, r.path, st, h.Get("Retry-After"), body)
			}
		}
	}
	if st, c := readiness(); st != 503 || !strings.HasPrefix(c["event_store"], "failing") {
		t.Fatalf("/readyz with PostgreSQL down: %d %v", st, c)
	}

	// Back: the replica recovers without a restart.
	pgProxy.Start()
	until("ready after PostgreSQL is back", func() (bool, string) {
		st, c := readiness()
		return st == 200, fmt.Sprint(st, c)
	})
	if st, _, body := do("POST", "/v1/events", "bank", event("e3")); st != 200 {
		t.Fatalf("ingest after the outage: %d %s", st, body)
	}
	natsProxy.Start()
	until("NATS ok again", func() (bool, string) {
		_, c := readiness()
		return c["nats"] == "ok", fmt.Sprint(c)
	})
	nc, js, err := sesamenats.Connect(natsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	defer js.DeleteStream(context.Background(), natsCfg.Stream)
	var e sesame.Event
	if err := json.Unmarshal([]byte(event("n1")), &e); err != nil {
		t.Fatal(err)
	}
	// The replica makes its stream again only after it reconnects, so the
	// first publishes may find no stream; the content-derived Nats-Msg-Id
	// makes retrying them safe.
	publisher := sesamenats.NewPublisher(js, natsCfg)
	until("the NATS event accepted", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err := publisher.Publish(ctx, []sesame.Event{e})
		return err == nil, fmt.Sprint(err)
	})
	until("the NATS event in the ledger", func() (bool, string) {
		st, _, body := do("GET", "/v1/people/p1/events", "op", "")
		return st == 200 && strings.Contains(body, `"n1"`), fmt.Sprint(st)
	})
	t.Logf("with PostgreSQL down: %v answers by status; recovered", seen)
}

// Connected is not consuming: a stream NATS refuses to make (3 replicas on
// a single server) shows as degraded NATS in /readyz, and the replica
// stays ready.
func TestServeShowsFailingNATSIngestion(t *testing.T) {
	natsURL := os.Getenv("SESAME_TEST_NATS")
	if natsURL == "" {
		natsURL = "nats://127.0.0.1:4222"
	}
	nu, _ := url.Parse(natsURL)
	if c, err := net.DialTimeout("tcp", nu.Host, time.Second); err != nil {
		t.Skipf("no NATS server at %s (%v): start nats-server -js, or set SESAME_TEST_NATS", natsURL, err)
	} else {
		c.Close()
	}
	tag := fmt.Sprint(time.Now().UnixNano())
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "--db", t.TempDir() + "/s.db", "--addr", addr, "--metrics-addr", "", "--operator-token", "op", "--log-format", "text",
			"--nats", natsURL, "--nats-stream", "SESAME_R3_" + tag, "--nats-subject", "r3" + tag + ".sesame.events", "--nats-consumer", "r3-" + tag, "--nats-replicas", "3"})
	}()
	defer func() {
		cancel()
		<-code
	}()
	base := "http://" + addr
	waitReady(t, base)
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		var ans struct{ Checks map[string]string }
		json.NewDecoder(resp.Body).Decode(&ans)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("/readyz %d %v: a NATS failure made the replica not ready", resp.StatusCode, ans.Checks)
		}
		if last = ans.Checks["nats"]; last == "degraded: NATS ingestion is failing; see the log" {
			return
		}
	}
	nc, js, err := sesamenats.Connect(natsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := js.Stream(context.Background(), "SESAME_R3_"+tag); err == nil {
		js.DeleteStream(context.Background(), "SESAME_R3_"+tag)
		t.Skip("this NATS server made a 3-replica stream (a cluster): nothing failed to show")
	}
	t.Fatalf("the stream was not made, yet /readyz shows NATS %q", last)
}
