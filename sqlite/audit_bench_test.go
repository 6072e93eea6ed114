package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// BenchmarkAppendAccessParallel appends from 8 goroutines per CPU in
// each sync mode, side by side: with each-read concurrent appends share
// each fdatasync; with after-write each append is one write.
func BenchmarkAppendAccessParallel(b *testing.B) {
	for _, mode := range []AccessLogSync{SyncAfterWrite, SyncEachRead} {
		b.Run(mode.String(), func(b *testing.B) {
			db, err := Open(context.Background(), filepath.Join(b.TempDir(), "a.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.SetAccessLogSync(mode); err != nil {
				b.Fatal(err)
			}
			log := db.AccessLog()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					e := &sesame.AccessEntry{At: time.Now(), Person: "p", Actor: "partner:a", Action: "threshold.check", Outcome: sesame.AccessAllowed}
					if err := log.AppendAccess(context.Background(), e); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
