package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sesame-credit/sesame/sqlite"
)

// The latest-score cache as a part of `sesame serve` (SQLite only): its
// size flag, its warm-up after the server starts, and its metrics.

func init() {
	registerServePart("score-cache", 15, func(fs *flag.FlagSet) serveWire {
		size := fs.String("score-cache", envOr("SESAME_SCORE_CACHE", "auto"), "memory for people's latest scores in front of SQLite (env SESAME_SCORE_CACHE): a `SIZE` such as 512MiB or 2GiB, about 1.4 KB a person; 0 turns it off; auto: a quarter of the machine's memory, at most 2GiB. Filled in the background at start; other processes' rescores show within about 10 ms")
		return func(ctx context.Context, env *serveEnv) error {
			budget, err := scoreCacheSize(*size)
			if err != nil {
				return usageError(fs, "--score-cache: "+err.Error())
			}
			db := env.Store.SQLite
			if db == nil {
				if flagSet(fs, "score-cache") || os.Getenv("SESAME_SCORE_CACHE") != "" {
					env.Logger.Warn("--score-cache is for SQLite; on PostgreSQL every score read goes to the database")
				}
				return nil
			}
			if budget == 0 {
				return nil
			}
			if err := db.SetLatestCache(budget); err != nil {
				return err
			}
			registerCacheMetrics(env.Server.Metrics.Registry, db)
			go func() {
				t0 := time.Now()
				if err := db.WarmLatestCache(ctx, nil); err != nil && ctx.Err() == nil {
					env.Logger.Warn("score cache: warm-up stopped; reads fill it as they come", "err", err.Error())
					return
				}
				st := db.LatestCacheStats()
				env.Logger.Info("score cache: warmed", "people", st.Warmed, "bytes", st.Bytes, "budget", st.Budget,
					"took", time.Since(t0).Round(time.Millisecond).String())
			}()
			return nil
		}
	})
}

// scoreCacheSize is --score-cache in bytes: a size, or auto.
func scoreCacheSize(s string) (int64, error) {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		const most = 2 << 30
		if ram := physicalMemory(); ram > 0 {
			return min(most, ram/4), nil
		}
		return most, nil
	}
	return parseSize(s)
}

// parseSize reads a byte size: a number with an optional unit (B, KB, MB,
// GB, KiB, MiB, GiB, TiB; case-insensitive).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') {
		i--
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(t[:i]), 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size such as 512MiB", s)
	}
	units := map[string]float64{"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}
	u, ok := units[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q (B, KB, MB, GB, KiB, MiB, GiB)", s, t[i:])
	}
	if n*u > 1<<50 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(n * u), nil
}

// registerCacheMetrics exports the latest-score cache's state.
func registerCacheMetrics(reg prometheus.Registerer, db *sqlite.DB) {
	for _, m := range []struct {
		name, help string
		counter    bool
		value      func(sqlite.LatestCacheStats) int64
	}{
		{"sesame_score_cache_bytes", "Bytes of latest scores held in memory (as counted against --score-cache).", false,
			func(st sqlite.LatestCacheStats) int64 { return st.Bytes }},
		{"sesame_score_cache_people", "People whose latest score is held in memory.", false,
			func(st sqlite.LatestCacheStats) int64 { return int64(st.Entries) }},
		{"sesame_score_cache_hits_total", "Latest-score reads answered from memory.", true,
			func(st sqlite.LatestCacheStats) int64 { return st.Hits }},
		{"sesame_score_cache_misses_total", "Latest-score reads that went to SQLite.", true,
			func(st sqlite.LatestCacheStats) int64 { return st.Misses }},
		{"sesame_score_cache_flushes_total", "Times the cache was emptied because another process wrote scores.", true,
			func(st sqlite.LatestCacheStats) int64 { return st.Flushes }},
		{"sesame_score_cache_warm", "1 once the warm-up after start has ended.", false,
			func(st sqlite.LatestCacheStats) int64 {
				if st.WarmDone {
					return 1
				}
				return 0
			}},
	} {
		value := func() float64 { return float64(m.value(db.LatestCacheStats())) }
		if m.counter {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: m.name, Help: m.help}, value))
		} else {
			reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: m.name, Help: m.help}, value))
		}
	}
}
