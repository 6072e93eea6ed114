package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1024": 1024, "512MiB": 512 << 20, "2GiB": 2 << 30, "1.5 GB": 1.5e9, "64kib": 64 << 10, "10B": 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1MiB", "2 parsecs", "1e30", "MiB2"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}

// TestServeScoreCache: a bad --score-cache is a usage error; with the
// cache on, its metrics are served and the warm-up ends.
func TestServeScoreCache(t *testing.T) {
	dir := t.TempDir()
	if code := run(context.Background(), []string{"serve", "--db", filepath.Join(dir, "bad.db"), "--addr", freeAddr(t),
		"--operator-token", "op", "--score-cache", "lots"}); code != 2 {
		t.Fatalf("--score-cache lots: exit %d, want 2", code)
	}
	base := serveInProcess(t, "--db", filepath.Join(dir, "serve.db"), "--operator-token", "op", "--score-cache", "64MiB")
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer op") // on the main address, operators only
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "\nsesame_score_cache_warm 1\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no warm score cache in /metrics:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestScoreCacheSizeAuto(t *testing.T) {
	got, err := scoreCacheSize("auto")
	if err != nil || got <= 0 || got > 2<<30 {
		t.Fatalf("auto: %d, %v; want (0, 2GiB]", got, err)
	}
	if ram := physicalMemory(); ram > 0 && got > ram/4 {
		t.Fatalf("auto: %d bytes, more than a quarter of %d", got, ram)
	}
	if got, err := scoreCacheSize("0"); err != nil || got != 0 {
		t.Fatalf("0: %d, %v", got, err)
	}
}
