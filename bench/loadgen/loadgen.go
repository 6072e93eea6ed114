// Package loadgen is a small closed-loop HTTP load generator for the bench
// harnesses: a fixed number of clients each send a request, wait for the
// answer, and send the next, for a fixed time. It records every latency, so
// percentiles are exact rather than estimated.
package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Options describe a run.
type Options struct {
	Clients  int           // concurrent connections (default 16)
	Duration time.Duration // how long to send (default 10s)
	Warmup   time.Duration // sent but not measured (default 1s)
	// Request builds the i-th request of client c.
	Request func(c, i int) (*http.Request, error)
	// Do, when set instead of Request, is the i-th call of client c: a
	// call through the Go client (package client), or a loop measured the
	// same way without HTTP (a store's own limit).
	Do func(ctx context.Context, c, i int) error
}

// Result summarises a run.
type Result struct {
	Requests int
	Errors   int // transport errors and non-2xx answers
	Elapsed  time.Duration
	RPS      float64
	P50, P90 time.Duration
	P99, Max time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("%9.0f req/s  p50 %7s  p90 %7s  p99 %7s  max %7s  (%d requests, %d errors)",
		r.RPS, r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond), r.Requests, r.Errors)
}

// Run sends load until the duration ends.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Clients <= 0 {
		o.Clients = 16
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Warmup < 0 {
		o.Warmup = 0
	} else if o.Warmup == 0 {
		o.Warmup = time.Second
	}
	tr := &http.Transport{
		MaxIdleConnsPerHost: o.Clients,
		MaxConnsPerHost:     o.Clients,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	start := time.Now()
	measureFrom := start.Add(o.Warmup)
	stop := measureFrom.Add(o.Duration)
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	var wg sync.WaitGroup
	var firstErr error
	for c := 0; c < o.Clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<14)
			e := 0
			for i := 0; ; i++ {
				t0 := time.Now()
				if t0.After(stop) || ctx.Err() != nil {
					break
				}
				var ok bool
				if o.Do != nil {
					ok = o.Do(ctx, c, i) == nil
				} else {
					req, err := o.Request(c, i)
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					resp, err := client.Do(req.WithContext(ctx))
					ok = err == nil && resp.StatusCode < 300
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
				if t0.Before(measureFrom) {
					continue
				}
				if !ok {
					e++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			errs += e
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	if firstErr != nil {
		return Result{}, firstErr
	}
	slices.Sort(all)
	r := Result{Requests: len(all) + errs, Errors: errs, Elapsed: o.Duration}
	r.RPS = float64(len(all)) / o.Duration.Seconds()
	if n := len(all); n > 0 {
		r.P50, r.P90, r.P99, r.Max = all[n*50/100], all[n*90/100], all[min(n-1, n*99/100)], all[n-1]
	}
	return r, nil
}

// BareServer serves body to every request from a plain net/http handler: the
// ceiling any real handler on the same machine can approach.
func BareServer(body []byte) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
