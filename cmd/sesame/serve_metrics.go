package main

import (
	"context"
	"flag"

	"github.com/sesame-credit/sesame"
)

// The business metrics of `sesame serve`: the score service's rescores and
// model, and the database's counts (people by band, consents, credentials,
// decisions), on /metrics.
func init() {
	registerServePart("metrics", 40, func(fs *flag.FlagSet) serveWire {
		return func(ctx context.Context, env *serveEnv) error {
			var stats sesame.StatsReader
			if env.Store.SQLite != nil {
				stats = env.Store.SQLite
			} else {
				stats = env.Store.Postgres
			}
			env.Server.Metrics.Business.Watch(env.Scores, stats)
			return nil
		}
	})
}
