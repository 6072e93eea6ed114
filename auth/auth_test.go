package auth

import (
	"strings"
	"testing"
	"time"
)

func TestLimiterRefillsAndSaysWhen(t *testing.T) {
	l := NewLimiter()
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		if ok, _ := l.Allow("a", 2, 3, t0); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.Allow("a", 2, 3, t0)
	if ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("over the burst: ok %v wait %s", ok, wait)
	}
	if ok, _ := l.Allow("b", 2, 3, t0); !ok {
		t.Fatal("buckets are per partner")
	}
	if ok, _ := l.Allow("a", 2, 3, t0.Add(500*time.Millisecond)); !ok {
		t.Fatal("no refill after half a second at 2/s")
	}
}

func TestKeyShapes(t *testing.T) {
	key := KeyPrefix + shortID() + "_" + secret("")
	if id, ok := splitKey(key); !ok || len(id) != 12 {
		t.Fatalf("split %q: %q %v", key, id, ok)
	}
	for _, bad := range []string{"", "ssk_", "ssk_abc_def", "sss_" + strings.Repeat("a", 60), KeyPrefix + "0123456789ab_short", KeyPrefix + strings.Repeat("a", 300)} {
		if _, ok := splitKey(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, u := range []string{"https://a.example/cb", "http://localhost:3000/cb", "http://127.0.0.1/cb"} {
		if ValidRedirectURI(u) != nil {
			t.Errorf("%s refused", u)
		}
	}
	for _, u := range []string{"http://a.example/cb", "javascript:alert(1)", "https://a.example/cb#frag", "https://user@a.example/", "//a.example", "https://"} {
		if ValidRedirectURI(u) == nil {
			t.Errorf("%s accepted", u)
		}
	}
}
