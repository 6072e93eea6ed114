package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// BenchmarkAppendAccessParallel shows the group commit: many concurrent
// appends share each durable transaction.
func BenchmarkAppendAccessParallel(b *testing.B) {
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "a.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
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
}
