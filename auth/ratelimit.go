package auth

import (
	"math"
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
