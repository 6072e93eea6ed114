package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/importer"
)

// The import commands convert public credit data sets into ledger events;
// the conversions live in package importer.

func init() {
	register(&command{name: "import taiwan", summary: "convert the Taiwan credit card table into ledger events", run: runImportTaiwan})
	register(&command{name: "import credit-card-approval", summary: "convert the credit card approval panel into ledger events", run: runImportApproval})
}

func runImportTaiwan(ctx context.Context, args []string) error {
	fs := newFlags("import taiwan", "FILE [--db PATH]")
	db := dbFlag(fs)
	pos, err := parseWithPositional(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	r, closeFile, err := openMaybeGzip(pos[0])
	if err != nil {
		return err
	}
	defer closeFile()
	st, err := createStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	app := newEventAppender(ctx, st.Events, "taiwan")
	stats, err := importer.ImportTaiwan(r, app.add)
	if err == nil {
		err = app.flush()
	}
	if err != nil {
		return err
	}
	app.done()
	if _, err := st.Watermarks().SetWatermark(ctx, importer.TaiwanSource, importer.TaiwanComplete); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "taiwan: %d rows → %d people, %d events (%d new, %d already stored); %d defaults after %s; %d rows with arrears statements, %d balances raised to their minimum, %d token repayments\n",
		stats.Rows, app.people, stats.Events, app.accepted, app.duplicates, stats.Defaults, importer.TaiwanAsOf.Format("2006-01-02"), stats.ArrearsRows, stats.Adjusted, stats.Tokens)
	fmt.Fprintf(os.Stderr, "next: sesame dataset build --db %s --as-of %s --horizon 1m --outcome default --min-history 0 --backfill --out taiwan-ledger.csv\n", *db, importer.TaiwanAsOf.Format("2006-01-02"))
	return nil
}

func runImportApproval(ctx context.Context, args []string) error {
	fs := newFlags("import credit-card-approval", "DIR [--db PATH]")
	db := dbFlag(fs)
	pos, err := parseWithPositional(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	dir := pos[0]
	apps, closeApps, err := openMaybeGzip(firstExisting(filepath.Join(dir, "application_record.csv.gz"), filepath.Join(dir, "application_record.csv")))
	if err != nil {
		return err
	}
	defer closeApps()
	credits, closeCredits, err := openMaybeGzip(firstExisting(filepath.Join(dir, "credit_record.csv.gz"), filepath.Join(dir, "credit_record.csv")))
	if err != nil {
		return err
	}
	defer closeCredits()
	st, err := createStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	app := newEventAppender(ctx, st.Events, "credit-card-approval")
	stats, err := importer.ImportApproval(apps, credits, app.add)
	if err == nil {
		err = app.flush()
	}
	if err != nil {
		return err
	}
	app.done()
	if _, err := st.Watermarks().SetWatermark(ctx, importer.ApprovalSource, importer.ApprovalComplete); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "credit-card-approval: %d people with both records, %d events (%d new, %d already stored); %d months with 60+ DPD; %d status rows skipped\n",
		stats.People, stats.Events, app.accepted, app.duplicates, stats.Bad60, stats.Skipped)
	fmt.Fprintf(os.Stderr, "next: sesame dataset build --db %s --as-of %s --horizon 12m --outcome dpd60 --min-history 3m --backfill --out approval.csv\n", *db, importer.ApprovalAsOf.Format("2006-01-02"))
	return nil
}

// parseWithPositional parses flags given before or after the positional
// arguments (`import taiwan FILE --db x` and `import taiwan --db x FILE`).
func parseWithPositional(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

func firstExisting(paths ...string) string {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return paths[0]
}

// openMaybeGzip opens a file, decompressing it when it starts with the gzip magic bytes.
func openMaybeGzip(path string) (io.Reader, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return z, func() { z.Close(); f.Close() }, nil
	}
	return br, func() { f.Close() }, nil
}

// eventAppender batches events into the ledger, a few thousand per
// transaction, and shows progress in people.
type eventAppender struct {
	ctx                  context.Context
	store                sesame.EventStore
	batch                []sesame.Event
	people               int
	accepted, duplicates int
	conflicts, erased    int
	progress             *countProgress
}

const appendBatch = 5000

func newEventAppender(ctx context.Context, s sesame.EventStore, what string) *eventAppender {
	return &eventAppender{ctx: ctx, store: s, batch: make([]sesame.Event, 0, appendBatch), progress: newCountProgress(what, "people", -1)}
}

func (a *eventAppender) add(_ string, events []sesame.Event) error {
	a.people++
	a.batch = append(a.batch, events...)
	if len(a.batch) >= appendBatch {
		if err := a.flush(); err != nil {
			return err
		}
	}
	a.progress.set(a.people)
	return nil
}

func (a *eventAppender) flush() error {
	if len(a.batch) == 0 {
		return nil
	}
	res, err := a.store.Append(a.ctx, a.batch)
	if err != nil {
		return err
	}
	for _, r := range res {
		switch r.Status {
		case sesame.Accepted:
			a.accepted++
		case sesame.Duplicate:
			a.duplicates++
		case sesame.Erased:
			a.erased++
		default:
			a.conflicts++
		}
	}
	a.batch = a.batch[:0]
	return nil
}

func (a *eventAppender) done() {
	a.progress.finish()
	if a.conflicts > 0 {
		fmt.Fprintf(os.Stderr, "warning: %d events conflict with different events stored under the same (source, id)\n", a.conflicts)
	}
	if a.erased > 0 {
		fmt.Fprintf(os.Stderr, "%d events of erased people were not stored\n", a.erased)
	}
}
