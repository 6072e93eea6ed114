package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// BenchmarkLatestScoreJSON looks up random people's latest score in the
// database named by SESAME_BENCH_DB (a population built by bench/score,
// people p00000000…), the lookup behind every GET …/score.
func BenchmarkLatestScoreJSON(b *testing.B) {
	path := os.Getenv("SESAME_BENCH_DB")
	if path == "" {
		b.Skip("SESAME_BENCH_DB is not set: point it at a database built by bench/score")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var people int
	if err := db.reader.QueryRow(`SELECT count(*) FROM score_latest`).Scan(&people); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			id := fmt.Sprintf("p%08d", r.IntN(people))
			if _, err := db.latestJSON(context.Background(), id); err != nil {
				b.Fatal(err)
			}
		}
	})
}
