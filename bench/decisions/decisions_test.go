package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkHTTPDecision is POST /v1/partner/decisions over loopback HTTP
// (httptest), clients in parallel: authentication, rate limit, consent,
// access entry, score read, policy and stored decision per request.
func BenchmarkHTTPDecision(b *testing.B) {
	bn, err := setup(context.Background(), b.TempDir(), 2000)
	if err != nil {
		b.Fatal(err)
	}
	defer bn.db.Close()
	hs := httptest.NewServer(bn.srv.Handler())
	defer hs.Close()
	var seq atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS clients: concurrent decisions share commits
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := hs.Client()
		for pb.Next() {
			r, _ := http.NewRequest("POST", hs.URL+"/v1/partner/decisions", strings.NewReader(bn.body(int(seq.Add(1)))))
			r.Header.Set("Authorization", "Bearer "+bn.key)
			r.Header.Set("Content-Type", "application/json")
			res, err := c.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 201 {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkDecisionInProcess is the same decision without HTTP.
func BenchmarkDecisionInProcess(b *testing.B) {
	bn, err := setup(context.Background(), b.TempDir(), 2000)
	if err != nil {
		b.Fatal(err)
	}
	defer bn.db.Close()
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, err := bn.decider.Decide(ctx, "bench-bank", bn.people[i%len(bn.people)], "personal_loan", 5000); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkHTTPThreshold is GET …/threshold?min=650 over loopback HTTP,
// clients in parallel: one access entry (group-committed) per request.
func BenchmarkHTTPThreshold(b *testing.B) {
	bn, err := setup(context.Background(), b.TempDir(), 2000)
	if err != nil {
		b.Fatal(err)
	}
	defer bn.db.Close()
	hs := httptest.NewServer(bn.srv.Handler())
	defer hs.Close()
	var seq atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := hs.Client()
		for pb.Next() {
			r, _ := http.NewRequest("GET", hs.URL+"/v1/partner/people/"+bn.people[int(seq.Add(1))%len(bn.people)]+"/threshold?min=650", nil)
			r.Header.Set("Authorization", "Bearer "+bn.key)
			res, err := c.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}
