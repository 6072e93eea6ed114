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
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
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

// BenchmarkOperatorScoreRead serves GET /v1/people/{id}/score in process,
// without sockets: authentication, the access entry committed and synced
// (group commit) before the answer, the stored score's lookup, the
// middleware and its request log (discarded), from 16 goroutines over
// 10,000 people.
func BenchmarkOperatorScoreRead(b *testing.B) {
	ts := newTrustServer(b, false)
	const people = 10_000
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]*sesame.Score, 0, people)
	for i := range people {
		s := 350 + i%600
		batch = append(batch, &sesame.Score{Person: fmt.Sprintf("p%05d", i), Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s),
			ModelVersion: "m1", AsOf: at, Reasons: []sesame.Reason{{Feature: "utilisation_now", Text: "High utilisation of card limits", PointsLost: 17}}})
	}
	if err := ts.db.Scores().SaveScores(context.Background(), batch); err != nil {
		b.Fatal(err)
	}
	// The store itself, as in `sesame serve` (the test server counts reads
	// through a wrapper).
	ts.srv.Scores.Scores = ts.db.Scores()
	h := ts.srv.Handler()
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(7919) % people // a stride over everyone
			req := httptest.NewRequest("GET", fmt.Sprintf("/v1/people/p%05d/score", i), nil)
			req.Header.Set("Authorization", "Bearer "+testOperator)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != nethttp.StatusOK {
				panic(fmt.Sprintf("status %d: %s", w.Code, w.Body))
			}
		}
	})
}
