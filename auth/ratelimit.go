package auth

import (
	"math"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Default rate limit of a partner that has none set.
const (
	DefaultRate  = 20.0 // requests per second
	DefaultBurst = 40
)

// Limiter is a token bucket per partner, in memory: each replica limits on
// its own, which bounds a partner at replicas × rate (documented in
// docs/partners.md). Safe for concurrent use.
type Limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter with no buckets yet.
func NewLimiter() *Limiter { return &Limiter{buckets: map[string]*bucket{}} }

// Allow takes one token from key's bucket. When none is left it returns
// false and how long until one will be.
func (l *Limiter) Allow(key string, rate float64, burst int, now time.Time) (bool, time.Duration) {
	if rate <= 0 {
		rate = DefaultRate
	}
	if burst <= 0 {
		burst = DefaultBurst
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(burst), last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(float64(burst), b.tokens+el*rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / rate * float64(time.Second))
	return false, wait
}

// ClientLimiter limits how often one client may call an endpoint that
// needs no credentials (login, credential verification): such endpoints
// are where guessing, enumeration and floods come from. A client is its
// IP address; an IPv6 client is its /64, which one host usually has whole.
// Buckets of clients that have been quiet long enough to be full again are
// dropped, so the memory is bounded by the clients of the last minutes.
// Safe for concurrent use.
type ClientLimiter struct {
	Rate  float64 // requests per second per client
	Burst int

	mu      sync.Mutex
	l       *Limiter
	inserts int
}

// Client rate limits' defaults: a person logging in or a verifier checking
// a handful of credentials never meets them.
const (
	DefaultClientRate  = 1.0
	DefaultClientBurst = 30
)

// Allow takes one token from the client's bucket; when none is left it
// returns false and how long until one will be.
func (c *ClientLimiter) Allow(remoteAddr string, now time.Time) (bool, time.Duration) {
	rate, burst := c.Rate, c.Burst
	if rate <= 0 {
		rate = DefaultClientRate
	}
	if burst <= 0 {
		burst = DefaultClientBurst
	}
	c.mu.Lock()
	if c.l == nil {
		c.l = NewLimiter()
	}
	l := c.l
	c.inserts++
	if c.inserts >= 4096 {
		c.inserts = 0
		l.prune(now, rate, burst)
	}
	c.mu.Unlock()
	return l.Allow(ClientKey(remoteAddr), rate, burst, now)
}

// ClientKey is the bucket of a request's remote address: its IP, or the
// /64 of an IPv6 address.
func ClientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// prune drops the buckets that have refilled to burst by now: forgetting
// them changes nothing.
func (l *Limiter) prune(now time.Time, rate float64, burst int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*rate >= float64(burst) {
			delete(l.buckets, k)
		}
	}
}
