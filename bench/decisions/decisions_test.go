package main

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/sesame-credit/sesame/client"
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
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		api := client.New(hs.URL, bn.key)
		api.HTTP = hs.Client()
		for pb.Next() {
			person, amount := bn.request(int(seq.Add(1)))
			if _, err := api.Decide(ctx, person, "personal_loan", amount); err != nil {
				b.Fatal(err)
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
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		api := client.New(hs.URL, bn.key)
		api.HTTP = hs.Client()
		for pb.Next() {
			if _, err := api.Threshold(ctx, bn.people[int(seq.Add(1))%len(bn.people)], 650); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}
