package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
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
// TestServeAccessLog: an operator's reads of a score and of events each
// add an entry, durable before the answer (read by a second handle while
// the server runs); the server publishes its signed head, and `sesame
// audit verify --heads URL` checks the log against it.
func TestServeAccessLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "serve.db")
	base := serveInProcess(t, "--db", path, "--operator-token", "op")
	for _, target := range []string{"/v1/people/p1/score", "/v1/people/p1/events"} {
		req, _ := http.NewRequest("GET", base+target, nil)
		req.Header.Set("Authorization", "Bearer op")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: 404, false: 200}[strings.HasSuffix(target, "score")]; resp.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d (after the read is logged)", target, resp.StatusCode, want)
		}
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.AccessLog().AccessEntries(context.Background(), "p1", 10)
	if err != nil || len(got) != 2 || got[0].Actor != "operator:operator" || got[0].Reason != "events" || got[1].Reason != "score" {
		t.Fatalf("access log of p1: %+v %v, want the operator's two reads", got, err)
	}
	// The signer signs at start and then every 30 s: sign now, as a
	// minute's tick would, so that the published head covers both reads.
	key, err := audit.LoadOrCreateKey(path + ".access-key")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.SignNow(context.Background(), db.AccessLog(), key, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(base + "/v1/access-log/heads")
	if err != nil {
		t.Fatal(err)
	}
	var heads struct{ Head *sesame.SignedHead }
	json.NewDecoder(resp.Body).Decode(&heads)
	resp.Body.Close()
	if heads.Head == nil || heads.Head.Size != 2 || audit.VerifyHeadSignature(heads.Head, "") != nil {
		t.Fatalf("published head %+v, want a signed head of 2 entries", heads.Head)
	}
	if code := run(context.Background(), []string{"audit", "verify", "--db", path, "--heads", base + "/v1/access-log/heads", "--key", heads.Head.PublicKey}); code != 0 {
		t.Fatalf("audit verify --heads: exit %d", code)
	}
}
