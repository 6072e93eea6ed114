package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/sqlite"
)

// freeAddr returns a loopback address with a free port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitReady waits up to 10 s for the server at base to answer /readyz.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 10 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeIngestsAndShutsDown runs `sesame serve` in process: it becomes
// ready, takes events with the operator token, refuses them without, and
// returns 0 when its context ends (as on SIGINT or SIGTERM).
func TestServeIngestsAndShutsDown(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "--db", filepath.Join(t.TempDir(), "serve.db"), "--addr", addr,
			"--operator-token", "op-token", "--source-token", "bank=bank-token", "--log-format", "text"})
	}()
	base := "http://" + addr
	waitReady(t, base)
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

// TestServeAccessLogSync: --access-log-sync takes after-write or
// each-read; anything else is a usage error, and with each-read an
// operator's read is in the person's access log once answered.
func TestServeAccessLogSync(t *testing.T) {
	dir := t.TempDir()
	if code := run(context.Background(), []string{"serve", "--db", filepath.Join(dir, "bad.db"), "--addr", freeAddr(t),
		"--operator-token", "op", "--access-log-sync", "sometimes"}); code != 2 {
		t.Fatalf("--access-log-sync sometimes: exit %d, want 2", code)
	}
	path := filepath.Join(dir, "serve.db")
	base := serveInProcess(t, "--db", path, "--operator-token", "op", "--access-log-sync", "each-read")
	req, _ := http.NewRequest("GET", base+"/v1/people/p1/score", nil)
	req.Header.Set("Authorization", "Bearer op")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("GET a score nobody computed: %d, want 404 (after the read is logged)", resp.StatusCode)
	}
	// The mode is the one asked for, and the read's sync, made before
	// the answer, is counted.
	req, _ = http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer op") // on the main address, operators only
	mres, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(mres.Body)
	mres.Body.Close()
	syncs := regexp.MustCompile(`(?m)^sesame_access_journal_syncs_total (\d+)`).FindSubmatch(metrics)
	if syncs == nil || string(syncs[1]) == "0" || !bytes.Contains(metrics, []byte("\nsesame_access_journal_failed 0\n")) ||
		!bytes.Contains(metrics, []byte(`sesame_access_journal_info{sync="each-read"} 1`)) {
		t.Fatalf("/metrics after an each-read read: syncs %q, want at least one, no failure and the each-read mode:\n%s", syncs, metrics)
	}
	// A second handle, as `sesame audit` would be, while the server runs.
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.AccessLog().AccessEntries(context.Background(), "p1", 10)
	if err != nil || len(got) != 1 || got[0].Actor != "operator:operator" {
		t.Fatalf("access log of p1: %+v %v, want the operator's read", got, err)
	}
}
