package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// `sesame sources` and `sources set`: the sources' watermarks ("complete up
// to"). Wiring only: the rules are sesame.Watermark's.

func init() {
	register(&command{name: "sources", summary: "list the sources with how far their data is complete, its lag and whether it is stale", run: runSources})
	register(&command{name: "sources set", summary: "say a source's data is complete up to a time (its watermark; never moves back)", run: runSourcesSet})
}

// watermarkFlags collects repeated SOURCE=TIME flags.
type watermarkFlags []sesame.Watermark

func (w *watermarkFlags) String() string {
	var parts []string
	for _, m := range *w {
		parts = append(parts, m.Source+"="+m.CompleteTo.Format(time.RFC3339))
	}
	return strings.Join(parts, ",")
}

func (w *watermarkFlags) Set(v string) error {
	source, at, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want SOURCE=TIME, e.g. bank=2026-12-01T00:00:00Z")
	}
	t, err := parseWatermarkTime(at)
	if err != nil {
		return err
	}
	*w = append(*w, sesame.Watermark{Source: source, CompleteTo: t})
	return nil
}

// parseWatermarkTime reads RFC 3339 or a date (midnight UTC).
func parseWatermarkTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time or a date (2026-12-01T00:00:00Z, 2026-12-01)", v)
}

// setWatermarks validates and stores each watermark, reporting on stderr.
func setWatermarks(ctx context.Context, store sesame.WatermarkStore, marks []sesame.Watermark) error {
	now := time.Now()
	for _, m := range marks {
		if err := sesame.ValidateWatermark(m.Source, m.CompleteTo, now); err != nil {
			return err
		}
	}
	for _, m := range marks {
		w, err := store.SetWatermark(ctx, m.Source, m.CompleteTo)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "source %s: data complete up to %s\n", w.Source, w.CompleteTo.Format(time.RFC3339))
	}
	return nil
}

func runSources(ctx context.Context, args []string) error {
	fs := newFlags("sources", "[--db PATH|URL] [--json] [--stale-after DURATION]")
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	_, staleAfter := coverageFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	ws, err := st.Watermarks().Watermarks(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	type row struct {
		sesame.Watermark
		LagDays float64 `json:"lag_days"`
		Stale   bool    `json:"stale"`
	}
	rows := make([]row, 0, len(ws))
	for _, w := range ws {
		rows = append(rows, row{w, now.Sub(w.CompleteTo).Hours() / 24, w.Stale(now, *staleAfter)})
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tCOMPLETE TO\tLAG (DAYS)\tSTALE")
	for _, r := range rows {
		stale := ""
		if r.Stale {
			stale = "stale"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\n", r.Source, r.CompleteTo.Format(time.RFC3339), r.LagDays, stale)
	}
	return tw.Flush()
}

func runSourcesSet(ctx context.Context, args []string) error {
	fs := newFlags("sources set", "[--db PATH|URL] SOURCE TIME")
	dsn := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError(fs, "give a SOURCE and the TIME its data is complete up to")
	}
	t, err := parseWatermarkTime(fs.Arg(1))
	if err != nil {
		return usageError(fs, err.Error())
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	return setWatermarks(ctx, st.Watermarks(), []sesame.Watermark{{Source: fs.Arg(0), CompleteTo: t}})
}

// loadCoverage reads the sources' watermarks into a feature.Coverage, with
// the retention and staleness limits of the environment.
func loadCoverage(ctx context.Context, store sesame.WatermarkStore) (*feature.Coverage, error) {
	ws, err := store.Watermarks(ctx)
	if err != nil {
		return nil, err
	}
	cov := &feature.Coverage{Watermarks: make(map[string]time.Time, len(ws))}
	for _, w := range ws {
		cov.Watermarks[w.Source] = w.CompleteTo
	}
	if cov.Retention, err = envDuration("SESAME_RETENTION"); err != nil {
		return nil, err
	}
	if cov.StaleAfter, err = envDuration("SESAME_STALE_AFTER"); err != nil {
		return nil, err
	}
	return cov, nil
}
