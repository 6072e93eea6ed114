// Command lb is the small load balancer of deploy/local-cluster.sh: it
// spreads requests round-robin over the replicas that answer /readyz with
// 200, checked every second, so that a replica that is starting, stopped or
// cut off from its database gets no traffic until it is ready again. It is
// for trying a cluster on one machine; production puts the same probe in
// its own load balancer (docs/deploy.md).
//
// Usage: go run ./deploy/lb -listen 127.0.0.1:8080 -backends http://127.0.0.1:8081,http://127.0.0.1:8082
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

type backend struct {
	url   *url.URL
	proxy *httputil.ReverseProxy
	ready atomic.Bool
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "`HOST:PORT` to listen on")
	list := flag.String("backends", "", "the replicas' base `URLs`, comma-separated")
	flag.Parse()
	var backends []*backend
	for _, s := range strings.Split(*list, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || u.Host == "" {
			log.Fatalf("lb: -backends: %q is not a URL", s)
		}
		b := &backend{url: u, proxy: httputil.NewSingleHostReverseProxy(u)}
		backends = append(backends, b)
	}
	if len(backends) == 0 {
		log.Fatal("lb: give -backends")
	}
	go probe(backends)

	var next atomic.Uint64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The next ready replica after the last one used; none ready is
		// what a replica itself answers in an outage: 503, retry.
		start := next.Add(1)
		for i := range uint64(len(backends)) {
			b := backends[(start+i)%uint64(len(backends))]
			if b.ready.Load() {
				b.proxy.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Retry-After", "5")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":{"code":"unavailable","message":"no replica is ready; retry in a few seconds"}}` + "\n"))
	})
	log.Printf("lb: listening on http://%s, %d replicas", *listen, len(backends))
	log.Fatal((&http.Server{Addr: *listen, Handler: handler, ReadHeaderTimeout: 10 * time.Second}).ListenAndServe())
}

// probe asks every replica's /readyz each second and logs each change.
func probe(backends []*backend) {
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		for _, b := range backends {
			ok := false
			if resp, err := c.Get(b.url.String() + "/readyz"); err == nil {
				ok = resp.StatusCode == http.StatusOK
				resp.Body.Close()
			}
			if b.ready.Swap(ok) != ok {
				log.Printf("lb: %s ready=%v", b.url, ok)
			}
		}
		time.Sleep(time.Second)
	}
}
