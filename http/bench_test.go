package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

// BenchmarkIngestLoopback posts NDJSON batches of 1,000 mixed events to a
// server on loopback from 4 clients; it reports events/s. The full figure,
// beside file ingestion, comes from bench/ingest.
func BenchmarkIngestLoopback(b *testing.B) {
	const batch, clients = 1000, 4
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	srv := NewServer(Config{})
	srv.Events = db.Events()
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv.Auth.AddToken(operatorToken, Principal{Role: RoleOperator})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Serve(ctx, ln, nil)
	url := "http://" + ln.Addr().String() + "/v1/events"

	gen := ledgertest.NewGenerator(1, 100_000)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		var buf bytes.Buffer
		for range batch {
			e := gen.Next()
			line, _ := json.Marshal(&e)
			buf.Write(line)
			buf.WriteByte('\n')
		}
		bodies[i] = buf.Bytes()
	}
	client := &nethttp.Client{Transport: &nethttp.Transport{MaxIdleConnsPerHost: clients}}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				req, _ := nethttp.NewRequest("POST", url, bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/x-ndjson")
				req.Header.Set("Authorization", "Bearer "+operatorToken)
				resp, err := client.Do(req)
				if err != nil {
					panic(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					panic(fmt.Sprint("status ", resp.StatusCode))
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}
