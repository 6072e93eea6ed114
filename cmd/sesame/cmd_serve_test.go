package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeIngestsAndShutsDown runs `sesame serve` in process: it becomes
// ready, takes events with the operator token, refuses them without, and
// returns 0 when its context ends (as on SIGINT or SIGTERM).
func TestServeIngestsAndShutsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "--db", filepath.Join(t.TempDir(), "serve.db"), "--addr", addr,
			"--operator-token", "op-token", "--source-token", "bank=bank-token", "--log-format", "text"})
	}()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 10 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	event := `{"source":"bank","id":"s1","person":"p1","kind":"payment.made","occurred_at":"2026-03-01T09:30:00Z","payload":{"amount":{"amount":100,"currency":"CNY"},"merchant_category":"5411","channel":"online"}}`
	post := func(token string) (int, string) {
		req, _ := http.NewRequest("POST", base+"/v1/events", strings.NewReader(event))
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := post("bank-token"); st != 200 || !strings.Contains(body, `"accepted":1`) {
		t.Fatalf("source token: %d %s", st, body)
	}
	if st, body := post("op-token"); st != 200 || !strings.Contains(body, `"duplicates":1`) {
		t.Fatalf("operator token: %d %s", st, body)
	}
	if st, _ := post("nope"); st != 401 {
		t.Fatalf("bad token: %d", st)
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit code %d after shutdown", c)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
}
