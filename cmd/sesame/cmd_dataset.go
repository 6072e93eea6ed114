package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sesame-credit/sesame/feature"
)

func init() {
	register(&command{name: "dataset build", summary: "build a labelled training set (features as of a date + outcome after it) from the ledger", run: runDatasetBuild})
}

func runDatasetBuild(ctx context.Context, args []string) error {
	fs := newFlags("dataset build", "--as-of DATE --horizon 12m --out FILE [flags]")
	db := dbFlag(fs)
	asOfS := fs.String("as-of", "", "as-of date (YYYY-MM-DD or RFC 3339): features use only events that occurred and were recorded before it (required)")
	horizon := fs.String("horizon", "12m", "label window after the as-of date: months (12m), years (1y) or days (90d)")
	outcome := fs.String("outcome", "dpd90,default,writeoff,unpaid", "what counts as bad within the horizon: dpd90, dpd60, default, writeoff, unpaid (comma-separated) or all")
	minHistory := fs.String("min-history", "3m", "exclude people whose first event is less than this before the as-of date (0 = keep all)")
	protected := fs.String("protected", "sex", "protected attributes to export as protected_<name> columns (never features; pass them to model train --protected)")
	backfill := fs.Bool("backfill", false, "the ledger was loaded after the fact (import, simulate): take each event as recorded when it occurred")
	workers := fs.Int("workers", 0, "feature workers (0: one per CPU)")
	out := fs.String("out", "", "output CSV (required; - for stdout)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *asOfS == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "--as-of and --out are required")
		fs.Usage()
		return errUsage
	}
	asOf, err := parseDate(*asOfS)
	if err != nil {
		return err
	}
	end, err := feature.ParseHorizon(*horizon, asOf)
	if err != nil {
		return err
	}
	oc, err := feature.ParseOutcome(*outcome)
	if err != nil {
		return err
	}
	var minH time.Duration
	if *minHistory != "0" && *minHistory != "" {
		t, err := feature.ParseHorizon(*minHistory, asOf)
		if err != nil {
			return fmt.Errorf("--min-history: %w", err)
		}
		minH = t.Sub(asOf)
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	cov, err := loadCoverage(ctx, st.Watermarks())
	if err != nil {
		return err
	}
	// Refused before the output file is created.
	if err := cov.CheckWindow(asOf, end); err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	w := os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	prog := newCountProgress("dataset", "people", -1)
	started := time.Now()
	opt := feature.DatasetOptions{
		AsOf: asOf, End: end, Outcome: oc, MinHistory: minH, Protected: splitComma(*protected),
		Backfilled: *backfill, Workers: *workers, Progress: prog.set, Coverage: cov,
	}
	var stats feature.DatasetStats
	if st.SQLite != nil {
		// The embedded store scans raw rows and folds their JSON: the same
		// file as the typed path, many times faster.
		to, lerr := st.SQLite.Events().LedgerEnd(ctx)
		if lerr != nil {
			return lerr
		}
		states := st.SQLite.FeatureStates()
		stats, err = feature.BuildDatasetRaw(ctx, func(ctx context.Context, fn func([]feature.RawPerson, func()) error) error {
			return states.ScanEvents(ctx, "", to, fn)
		}, bw, opt)
	} else if st.Postgres != nil {
		states := st.Postgres.FeatureStates()
		to, lerr := states.LedgerEnd(ctx)
		if lerr != nil {
			return lerr
		}
		stats, err = feature.BuildDatasetRaw(ctx, func(ctx context.Context, fn func([]feature.RawPerson, func()) error) error {
			return states.ScanEvents(ctx, "", to, fn)
		}, bw, opt)
	} else {
		stats, err = feature.BuildDataset(ctx, st.Scanner, bw, opt)
	}
	prog.finish()
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	took := time.Since(started)
	rate := 0.0
	if stats.Rows > 0 {
		rate = float64(stats.Bad) / float64(stats.Rows)
	}
	fmt.Fprintf(os.Stderr, "dataset: as of %s, outcome %s in [%s, %s): %d people scanned in %s (%.0f people/s)\n",
		asOf.Format(time.RFC3339), oc, asOf.Format("2006-01-02"), end.Format("2006-01-02"), stats.People, took.Round(time.Millisecond), float64(stats.People)/took.Seconds())
	fmt.Fprintf(os.Stderr, "dataset: %d rows written to %s, %d bad (%.2f%%)\n", stats.Rows, *out, stats.Bad, 100*rate)
	fmt.Fprintf(os.Stderr, "dataset: excluded %d with no events before the as-of date, %d with less than %s of history, %d already bad at the as-of date\n",
		stats.NoHistory, stats.TooLittleHistory, *minHistory, stats.AlreadyBad)
	if stats.People == 0 && !*backfill {
		fmt.Fprintln(os.Stderr, "hint: no events were recorded before the end of the label window; for imported or simulated data add --backfill")
	}
	fmt.Fprintf(os.Stderr, "train with: sesame model train --data %s --label bad --exclude person --protected %s --out model.json\n", *out, protectedCols(*protected))
	return nil
}

func protectedCols(s string) string {
	var cols []string
	for _, p := range splitComma(s) {
		cols = append(cols, "protected_"+p)
	}
	return strings.Join(cols, ",")
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseDate reads YYYY-MM-DD (midnight UTC) or an RFC 3339 time.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: use YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t, nil
}
