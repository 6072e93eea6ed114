package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sesame-credit/sesame"
)

func init() {
	register(&command{name: "events", summary: "print a person's events from the ledger", run: runEvents})
}

func runEvents(ctx context.Context, args []string) error {
	fs := newFlags("events", "[flags] PERSON")
	db := dbFlag(fs)
	kinds := fs.String("kind", "", "only these kinds, comma-separated (e.g. bill.issued,bill.paid)")
	from := fs.String("from", "", "only events that occurred at or after `TIME` (RFC 3339 or YYYY-MM-DD)")
	to := fs.String("to", "", "only events that occurred before `TIME` (RFC 3339 or YYYY-MM-DD)")
	limit := fs.Int("limit", 0, "print at most `N` events (0: all)")
	asJSON := fs.Bool("json", false, "print NDJSON, one event per line, instead of a table")
	actor := actorFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	f := sesame.EventFilter{Person: fs.Arg(0)}
	for _, k := range strings.Split(*kinds, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		if !sesame.Kind(k).Known() {
			return fmt.Errorf("--kind: unknown kind %q; see docs/events.md", k)
		}
		f.Kinds = append(f.Kinds, sesame.Kind(k))
	}
	var err error
	if f.From, err = parseWhen("--from", *from); err != nil {
		return err
	}
	if f.To, err = parseWhen("--to", *to); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := logCLIRead(ctx, st, *actor, f.Person, "events"); err != nil {
		return err
	}
	return printEvents(ctx, os.Stdout, st.Events, f, *limit, *asJSON)
}

// parseWhen reads a time flag: RFC 3339, or a date meaning its midnight UTC.
func parseWhen(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s: %q is neither RFC 3339 (2026-11-25T09:30:00+08:00) nor a date (2026-11-25)", flag, s)
}

// printEvents pages through the ledger, so a person with many events is
// printed in constant memory.
func printEvents(ctx context.Context, w io.Writer, events sesame.EventStore, f sesame.EventFilter, limit int, asJSON bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	enc := json.NewEncoder(w)
	if !asJSON {
		fmt.Fprintln(tw, "OCCURRED_AT\tKIND\tSOURCE\tID\tPAYLOAD")
	}
	printed := 0
	f.Limit = 1000
	for {
		page, err := events.Events(ctx, f)
		if err != nil {
			return err
		}
		for i := range page.Events {
			if limit > 0 && printed == limit {
				return tw.Flush()
			}
			e := &page.Events[i]
			if asJSON {
				if err := enc.Encode(e); err != nil {
					return err
				}
			} else {
				p, _ := json.Marshal(e.Payload)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.OccurredAt.Format(time.RFC3339), e.Kind, e.Source, e.ID, p)
			}
			printed++
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if !asJSON && printed == 0 {
		fmt.Fprintf(os.Stderr, "no events for %s\n", f.Person)
	}
	return tw.Flush()
}
