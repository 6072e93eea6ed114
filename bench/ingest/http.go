package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	sesamehttp "github.com/sesame-credit/sesame/http"
)

// The HTTP run: the same input posted to POST /v1/events of a real server
// on loopback, as NDJSON batches of --http-batch events from --http-clients
// concurrent clients (a Go load generator in this process). The clock runs
// from the first request to the last answer; splitting the file into bodies
// and starting the server are left out.

var httpBatch = flag.Int("http-batch", 1000, "events per HTTP request in the HTTP runs")

// The HTTP runs differ in their number of clients: with few, every client
// waits for the same shared commit and the server idles while they send
// their next batches; with more, some batches are decoded while others
// commit, and commits are larger (see http/groupcommit.go). 64 is many
// sources delivering at once, as at a month's end: groups then reach the
// server's cap of 20,000 events a transaction.
func init() {
	for _, clients := range []int{4, 16, 64} {
		registerRun(Run{Name: fmt.Sprintf("HTTP, %d clients (loopback)", clients), Fn: func(ctx context.Context, env *Env) (Measured, error) {
			return runHTTP(ctx, env, clients)
		}})
	}
}

func runHTTP(ctx context.Context, env *Env, clients int) (Measured, error) {
	bodies, err := splitInput(env.Input, *httpBatch)
	if err != nil {
		return Measured{}, err
	}
	db, err := env.NewDB(ctx, fmt.Sprintf("http-%d", clients))
	if err != nil {
		return Measured{}, err
	}
	defer db.Close()
	srv := sesamehttp.NewServer(sesamehttp.Config{})
	srv.Events = db.Events()
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	const token = "bench-operator-token"
	srv.Auth.AddToken(token, sesamehttp.Principal{Role: sesamehttp.RoleOperator, Name: "bench"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Measured{}, err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go srv.Serve(sctx, ln, nil)
	url := "http://" + ln.Addr().String() + "/v1/events"

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}}
	var next atomic.Int64
	var accepted atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	defer debug.SetGCPercent(debug.SetGCPercent(400)) // as `sesame serve` does
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				n, err := post(client, url, token, bodies[i])
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				accepted.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if firstErr != nil {
		return Measured{}, firstErr
	}
	if got := accepted.Load(); got != int64(env.N) {
		return Measured{}, fmt.Errorf("HTTP: accepted %d of %d events", got, env.N)
	}
	txs, mean := transactions(srv)
	fmt.Fprintf(os.Stderr, "http: %d requests of %d events from %d clients; %d transactions of %.0f events on average\n",
		len(bodies), *httpBatch, clients, txs, mean)
	return Measured{Events: int(accepted.Load()), Took: took}, nil
}

// post sends one batch and returns how many events the server accepted.
func post(client *http.Client, url, token string, body []byte) (int, error) {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, b)
	}
	// The answer starts {"accepted":N,...: read N without decoding the
	// per-line results, which would cost the load generator more CPU than
	// the server spends writing them.
	const head = `{"accepted":`
	if !bytes.HasPrefix(b, []byte(head)) {
		return 0, fmt.Errorf("HTTP answer: %.100s", b)
	}
	end := bytes.IndexByte(b[len(head):], ',')
	if end < 0 {
		return 0, fmt.Errorf("HTTP answer: %.100s", b)
	}
	return strconv.Atoi(string(b[len(head) : len(head)+end]))
}

// splitInput cuts the NDJSON file into bodies of batch lines each.
func splitInput(path string, batch int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var bodies [][]byte
	var cur []byte
	n := 0
	for sc.Scan() {
		cur = append(cur, sc.Bytes()...)
		cur = append(cur, '\n')
		if n++; n == batch {
			bodies, cur, n = append(bodies, cur), nil, 0
		}
	}
	if len(cur) > 0 {
		bodies = append(bodies, cur)
	}
	return bodies, sc.Err()
}

// transactions reads the server's histogram of events per transaction.
func transactions(srv *sesamehttp.Server) (count uint64, mean float64) {
	mfs, err := srv.Metrics.Registry.Gather()
	if err != nil {
		return 0, 0
	}
	for _, mf := range mfs {
		if mf.GetName() == "sesame_http_ingest_transaction_events" && len(mf.GetMetric()) == 1 {
			h := mf.GetMetric()[0].GetHistogram()
			if h.GetSampleCount() > 0 {
				return h.GetSampleCount(), h.GetSampleSum() / float64(h.GetSampleCount())
			}
		}
	}
	return 0, 0
}
