package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// BenchmarkAppendAccessParallel appends access entries from 16 goroutines
// over 100,000 people, each returning once its entry is committed and
// synced: the store's durable limit for reads.
func BenchmarkAppendAccessParallel(b *testing.B) {
	db := testDB(b)
	log := db.AccessLog()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e := &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprintf("p%06d", rand.IntN(100_000)), Actor: "operator:bench",
				Action: "operator.read", Scope: sesame.ScopeFull, Outcome: sesame.AccessAllowed, Reason: "score"}
			if err := log.AppendAccess(context.Background(), e); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
