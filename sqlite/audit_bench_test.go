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

// BenchmarkAppendAccessBesideHeavyPerson appends groups of 16 entries, one
// of them for a person read 100,000 times before (a partner polling them):
// what finding each person's last entry costs the group once some people
// have long histories.
func BenchmarkAppendAccessBesideHeavyPerson(b *testing.B) {
	db := testDB(b)
	ctx := context.Background()
	entry := func(person string) *sesame.AccessEntry {
		return &sesame.AccessEntry{At: time.Now(), Person: person, Actor: "partner:bike", Action: "score.read",
			Scope: sesame.ScopeScore, Outcome: sesame.AccessAllowed, Reason: "score"}
	}
	for range 100 {
		group := make([]*sesame.AccessEntry, 1000)
		for i := range group {
			group[i] = entry("heavy")
		}
		if err := db.access.Write(ctx, group, func() {}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		group := []*sesame.AccessEntry{entry("heavy")}
		for j := range 15 {
			group = append(group, entry(fmt.Sprintf("p%06d", rand.IntN(100_000)+j)))
		}
		if err := db.access.Write(ctx, group, func() {}); err != nil {
			b.Fatal(err)
		}
	}
}
