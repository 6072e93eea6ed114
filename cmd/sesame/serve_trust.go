package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sesame-credit/sesame/sqlite"
)

// The partner, consent, decision and person API as a part of `sesame
// serve`. It runs after the score service (env.Scores) and the portal,
// and shares their --demo and --public-url flags: whichever part comes
// first defines them.

func init() {
	registerServePart("trust", 40, func(fs *flag.FlagSet) serveWire {
		if fs.Lookup("demo") == nil {
			fs.Bool("demo", false, "demo mode: anyone may log in as anyone (POST /v1/auth/demo), said in every answer; never with real data")
		}
		if fs.Lookup("public-url") == nil {
			fs.String("public-url", envOr("SESAME_PUBLIC_URL", ""), "the server's public `URL`, for approval and login links (env SESAME_PUBLIC_URL; default: from each request)")
		}
		accessSync := fs.String("access-log-sync", envOr("SESAME_ACCESS_LOG_SYNC", "after-write"), "when an access entry must be on disk before its read is answered (SQLite; env SESAME_ACCESS_LOG_SYNC): after-write (written: survives a crash of sesame; synced in the background within about ten milliseconds) or each-read (fdatasync'ed first: survives a power loss too, at a disk flush per read)")
		return func(ctx context.Context, env *serveEnv) error {
			mode, err := sqlite.ParseAccessLogSync(*accessSync)
			if err != nil {
				return usageError(fs, err.Error())
			}
			if env.Store.SQLite != nil {
				if err := env.Store.SQLite.SetAccessLogSync(mode); err != nil {
					return err
				}
				registerJournalMetrics(env.Server.Metrics.Registry, env.Store.SQLite, mode)
			} else if mode != sqlite.SyncEachRead && (flagSet(fs, "access-log-sync") || os.Getenv("SESAME_ACCESS_LOG_SYNC") != "") {
				env.Logger.Warn("--access-log-sync after-write is for SQLite; PostgreSQL commits each access entry before its read is answered, as each-read does")
			}
			if env.Store.SQLite == nil && env.Scores == nil {
				env.Logger.Warn("partners, consents and decisions need a score reader; none on this store yet, so their routes are off")
				return nil
			}
			o := trustOptions{Demo: fs.Lookup("demo").Value.String() == "true", BaseURL: fs.Lookup("public-url").Value.String()}
			if env.Scores != nil {
				o.Scores, o.Rescore = env.Scores, env.Scores
			}
			if err := wireTrust(ctx, env.Server, env.Store, o); err != nil {
				return err
			}
			if o.Demo {
				fmt.Fprintln(os.Stderr, "sesame serve: DEMO MODE — anyone can log in as anyone (POST /v1/auth/demo); do not use real data")
			}
			return nil
		}
	})
}

// flagSet says whether name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// registerJournalMetrics exports the SQLite access journal's state: its
// sync mode, the indexer's lag, its syncs (rate of the seconds over rate of
// the count is the mean sync time) and whether a failed sync is refusing
// reads.
func registerJournalMetrics(reg prometheus.Registerer, db *sqlite.DB, mode sqlite.AccessLogSync) {
	stat := func(f func(sqlite.AccessJournalStats) float64) func() float64 {
		return func() float64 {
			st, _ := db.AccessJournalStats()
			return f(st)
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sesame_access_journal_info",
			Help: "Always 1; the sync label is --access-log-sync.", ConstLabels: prometheus.Labels{"sync": mode.String()}},
			func() float64 { return 1 }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sesame_access_journal_unindexed_bytes",
			Help: "Bytes of the access journal not yet indexed into the access_log table."},
			stat(func(st sqlite.AccessJournalStats) float64 { return float64(st.UnindexedBytes) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sesame_access_journal_syncs_total",
			Help: "fdatasyncs of the access journal."},
			stat(func(st sqlite.AccessJournalStats) float64 { return float64(st.Syncs) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sesame_access_journal_sync_seconds_total",
			Help: "Time spent in fdatasyncs of the access journal."},
			stat(func(st sqlite.AccessJournalStats) float64 { return st.SyncTime.Seconds() })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sesame_access_journal_failed",
			Help: "1 once a sync of the access journal failed: reads that must be logged are refused until restart."},
			stat(func(st sqlite.AccessJournalStats) float64 {
				if st.Failed {
					return 1
				}
				return 0
			})),
	)
}
