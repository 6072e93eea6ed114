package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sesame-credit/sesame/ingest"
)

func init() {
	register(&command{name: "ingest", summary: "load events from NDJSON, JSON or CSV files into the ledger", run: runIngest})
}

const ingestSynopsis = `[flags] FILE...

Loads events into the ledger. FILE is NDJSON (.ndjson, .jsonl), a JSON array
(.json) or CSV (.csv), optionally gzipped (.gz, or recognised by content);
"-" reads standard input.
Without a known extension the format is detected from the content. The
layouts, with an example per kind, are in docs/events.md.

Events are stored in batches, each in one durable transaction. An event
already stored with the same body is a duplicate and is skipped, so running
the same file again is safe. Invalid records and conflicts (a stored
(source, id) with a different body) are counted and written, with their line
number and reason, to the reject file; loading goes on.

--complete-to SOURCE=TIME says the source's data is complete up to TIME
(RFC 3339): its watermark moves there once every file loaded with no record
rejected or conflicting. A source's facts are judged only up to its
watermark: a payment due after it is never taken for unpaid.

Exit status: 0 when every record was stored or was a duplicate; 1 when any
record was rejected or conflicted, or loading failed; 2 on bad usage.`

func runIngest(ctx context.Context, args []string) error {
	fs := newFlags("ingest", ingestSynopsis)
	db := dbFlag(fs)
	rejects := fs.String("rejects", "rejects.ndjson", "write rejected and conflicting records to `FILE` (NDJSON; created only if needed)")
	batch := fs.Int("batch", ingest.DefaultBatch, "events per transaction")
	format := fs.String("format", "", "input format: ndjson, json or csv (default: from the extension, else the content)")
	maxRecord := fs.Int("max-record", ingest.DefaultMaxRecord, "longest line or record accepted, in `bytes`")
	asJSON := fs.Bool("json", false, "print the summary as JSON on standard output")
	var marks watermarkFlags
	fs.Var(&marks, "complete-to", "the source's data is complete up to the time: `SOURCE=TIME` (RFC 3339; repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	switch ingest.Format(*format) {
	case ingest.Auto, ingest.NDJSON, ingest.JSON, ingest.CSV:
	default:
		return fmt.Errorf("--format: %q is not ndjson, json or csv", *format)
	}
	// Every input is checked before the database is opened (and perhaps
	// created), so a mistyped file name fails alone, with no summary of
	// zero events before the error.
	for _, name := range fs.Args() {
		if name == "-" {
			continue
		}
		if fi, err := os.Stat(name); os.IsNotExist(err) {
			return fmt.Errorf("%s: no such file", name)
		} else if err != nil {
			return err
		} else if fi.IsDir() {
			return fmt.Errorf("%s: is a directory, not a file of events", name)
		}
	}
	st, err := createStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	// Decoding allocates a little per event and the live heap stays small
	// (two batches), so collecting less often buys CPU for the writer at the
	// cost of some tens of MB.
	debug.SetGCPercent(ingestGCPercent)

	rej := &lazyFile{path: *rejects}
	defer rej.Close()
	var total ingest.Stats
	start := time.Now()
	for _, name := range fs.Args() {
		l := &ingest.Loader{Store: st.Events, Batch: *batch, Rejects: rej, File: name}
		stats, err := ingestFile(ctx, l, name, ingest.Options{Format: ingest.Format(*format), MaxRecord: *maxRecord})
		total = addStats(total, stats)
		if err != nil {
			if total.Records > 0 {
				printSummary(total, time.Since(start), *asJSON, rej)
			}
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	printSummary(total, time.Since(start), *asJSON, rej)
	if total.Rejected > 0 || total.Conflicts > 0 {
		if len(marks) > 0 {
			fmt.Fprintln(os.Stderr, "watermarks not moved: the data loaded is not complete")
		}
		return fmt.Errorf("%d record(s) rejected and %d conflict(s); see %s", total.Rejected, total.Conflicts, *rejects)
	}
	return setWatermarks(ctx, st.Watermarks(), marks)
}

// ingestGCPercent is the GOGC used while ingesting; see runIngest.
const ingestGCPercent = 400

func addStats(a, b ingest.Stats) ingest.Stats {
	return ingest.Stats{Records: a.Records + b.Records, Accepted: a.Accepted + b.Accepted, Duplicates: a.Duplicates + b.Duplicates,
		Conflicts: a.Conflicts + b.Conflicts, Rejected: a.Rejected + b.Rejected, Erased: a.Erased + b.Erased}
}

// ingestFile opens one input, reports progress while loading it, and returns its counts.
func ingestFile(ctx context.Context, l *ingest.Loader, name string, opt ingest.Options) (ingest.Stats, error) {
	var (
		f    *os.File
		size int64 = -1
	)
	if name == "-" {
		f = os.Stdin
	} else {
		var err error
		if f, err = os.Open(name); err != nil {
			return ingest.Stats{}, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	counted := &countingReader{r: f}
	br := bufio.NewReaderSize(counted, 1<<20)
	var r io.Reader = br
	base := strings.TrimSuffix(name, ".gz")
	// gzip is recognised by its magic bytes, so that a compressed standard
	// input or a file without the .gz suffix works too.
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return ingest.Stats{}, fmt.Errorf("reading gzip: %w", err)
		}
		defer gz.Close()
		r = gz
	} else if base != name {
		return ingest.Stats{}, fmt.Errorf("named .gz but not gzip-compressed")
	}
	if opt.Format == ingest.Auto {
		switch strings.ToLower(filepath.Ext(base)) {
		case ".ndjson", ".jsonl":
			opt.Format = ingest.NDJSON
		case ".json":
			opt.Format = ingest.JSON
		case ".csv":
			opt.Format = ingest.CSV
		}
	}
	dec, err := ingest.NewDecoder(r, opt)
	if err != nil {
		return ingest.Stats{}, err
	}
	stop := showProgress(name, size, counted, l)
	stats, err := l.Load(ctx, dec)
	stop()
	return stats, err
}

// showProgress draws a bar of bytes read on a terminal, or prints a plain
// line every few seconds when stderr is a file or a pipe (logs, CI). It
// returns a function that stops it.
func showProgress(name string, size int64, counted *countingReader, l *ingest.Loader) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	tty := term.IsTerminal(int(os.Stderr.Fd()))
	go func() {
		defer wg.Done()
		start := time.Now()
		if tty {
			bar := progressbar.NewOptions64(size,
				progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionSetDescription(name),
				progressbar.OptionShowBytes(true),
				progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					bar.Set64(counted.n.Load())
					bar.Finish()
					return
				case <-tick.C:
					s := l.Stats()
					bar.Describe(fmt.Sprintf("%s: %d events", name, s.Records))
					bar.Set64(counted.n.Load())
				}
			}
		}
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				s := l.Stats()
				of := ""
				if size > 0 {
					of = fmt.Sprintf(" of %s (%.0f%%)", mib(size), 100*float64(counted.n.Load())/float64(size))
				}
				fmt.Fprintf(os.Stderr, "%s: read %s%s, %d records, %.0f events/s\n", name, mib(counted.n.Load()), of, s.Records,
					float64(s.Records)/time.Since(start).Seconds())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func printSummary(s ingest.Stats, took time.Duration, asJSON bool, rej *lazyFile) {
	rate := float64(s.Records) / took.Seconds()
	if asJSON {
		json.NewEncoder(os.Stdout).Encode(struct {
			ingest.Stats
			Seconds      float64 `json:"seconds"`
			EventsPerSec float64 `json:"events_per_second"`
			RejectFile   string  `json:"reject_file,omitempty"`
		}{s, took.Seconds(), rate, rej.written()})
		return
	}
	fmt.Fprintf(os.Stderr, "%d records in %.1fs (%.0f events/s): %d accepted, %d duplicates, %d conflicts, %d rejected",
		s.Records, took.Seconds(), rate, s.Accepted, s.Duplicates, s.Conflicts, s.Rejected)
	if s.Erased > 0 {
		fmt.Fprintf(os.Stderr, ", %d of erased people (not stored)", s.Erased)
	}
	fmt.Fprintln(os.Stderr)
	if p := rej.written(); p != "" {
		fmt.Fprintf(os.Stderr, "records not stored: %s\n", p)
	}
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// lazyFile creates its file on the first write, so that a clean load
// leaves no empty reject file behind.
type lazyFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		f, err := os.Create(l.path)
		if err != nil {
			return 0, err
		}
		l.f, l.w = f, bufio.NewWriter(f)
	}
	return l.w.Write(p)
}

func (l *lazyFile) written() string {
	if l.f == nil {
		return ""
	}
	return l.path
}

func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	l.w.Flush()
	return l.f.Close()
}
