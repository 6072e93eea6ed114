package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesame-credit/sesame/bench/loadgen"
	"github.com/sesame-credit/sesame/client"
	"github.com/sesame-credit/sesame/policy"
)

func main() {
	people := flag.Int("people", 20000, "people in the database")
	duration := flag.Duration("duration", 5*time.Second, "time per measurement")
	clients := flag.Int("clients", 16, "concurrent HTTP clients")
	flag.Parse()
	if err := run(*people, *duration, *clients); err != nil {
		fmt.Fprintln(os.Stderr, "decisions:", err)
		os.Exit(1)
	}
}

func run(people int, duration time.Duration, clients int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sesame-bench-decisions")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	b, err := setup(ctx, dir, people)
	if err != nil {
		return err
	}
	defer b.db.Close()
	fmt.Printf("setup: %d scored, consenting people in %s\n", people, time.Since(start).Round(time.Millisecond))

	// 1. The policy alone (what policy's BenchmarkDecision measures).
	shipped, err := policy.Shipped()
	if err != nil {
		return err
	}
	sc, err := b.db.Scores().LatestScore(ctx, b.people[0])
	if err != nil {
		return err
	}
	pol := shipped["personal_loan"]
	n, t0 := 0, time.Now()
	for time.Since(t0) < duration {
		for range 1000 {
			if _, err := pol.Evaluate(policy.Input(sc, 5000)); err != nil {
				return err
			}
		}
		n += 1000
	}
	fmt.Printf("in process, policy only:        %9.0f decisions/s (%.1f µs each)\n", float64(n)/time.Since(t0).Seconds(), time.Since(t0).Seconds()*1e6/float64(n))

	// 2. The whole decision in process, one at a time: consent check,
	// access entry, score read, policy, decision stored (two durable writes).
	n, t0 = 0, time.Now()
	for time.Since(t0) < duration {
		if _, err := b.decider.Decide(ctx, "bench-bank", b.people[n%len(b.people)], "personal_loan", 5000); err != nil {
			return err
		}
		n++
	}
	fmt.Printf("in process, stored decision:   %9.0f decisions/s (%.0f µs each)\n", float64(n)/time.Since(t0).Seconds(), time.Since(t0).Seconds()*1e6/float64(n))

	// 3. The whole decision in process, from as many goroutines as HTTP
	// clients: concurrent access entries and decisions share commits.
	var done atomic.Int64
	t0 = time.Now()
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Since(t0) < duration; i++ {
				if _, err := b.decider.Decide(ctx, "bench-bank", b.people[(c*7919+i)%len(b.people)], "personal_loan", 5000); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	fmt.Printf("in process, stored, %2d at once: %9.0f decisions/s\n", clients, float64(done.Load())/time.Since(t0).Seconds())

	// 4. Over HTTP on loopback.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go b.srv.Serve(sctx, ln, nil)
	// The partner's side is the Go client, as a partner would call it.
	api := client.New("http://"+ln.Addr().String(), b.key)
	api.HTTP = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}}
	res, err := loadgen.Run(ctx, loadgen.Options{Clients: clients, Duration: duration, Warmup: time.Second,
		Do: func(ctx context.Context, c, i int) error {
			person, amount := b.request(c*1_000_003 + i)
			_, err := api.Decide(ctx, person, "personal_loan", amount)
			return err
		}})
	if err != nil {
		return err
	}
	fmt.Printf("HTTP POST /v1/partner/decisions, %d clients: %s\n", clients, res)
	res, err = loadgen.Run(ctx, loadgen.Options{Clients: clients, Duration: duration, Warmup: time.Second,
		Do: func(ctx context.Context, c, i int) error {
			_, err := api.Threshold(ctx, b.people[(c*7919+i)%len(b.people)], 650)
			return err
		}})
	if err != nil {
		return err
	}
	fmt.Printf("HTTP GET  …/threshold?min=650,  %d clients: %s\n", clients, res)
	return nil
}
