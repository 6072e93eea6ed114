package sqlrow

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// EventColumns are an event's columns as ScanEvent reads them.
const EventColumns = `seq, source, id, person, kind, occurred_at, occurred_tz, recorded_at, version, payload`

// ScanEvent reads a row of EventColumns: the event and its seq.
func ScanEvent(row Row) (sesame.Event, int64, error) {
	var (
		e                  sesame.Event
		seq, occurred, rec int64
		tz, version        int32
		kind               string
		payload            []byte
	)
	if err := row.Scan(&seq, &e.Source, &e.ID, &e.Person, &kind, &occurred, &tz, &rec, &version, &payload); err != nil {
		return e, 0, fmt.Errorf("scan event: %w", err)
	}
	e.Version = int(version)
	e.Kind = sesame.Kind(kind)
	e.OccurredAt = time.Unix(0, occurred).In(sesame.ZoneOffset(int(tz)))
	e.RecordedAt = FromNS(rec)
	p := sesame.NewPayload(e.Kind)
	if p == nil {
		return e, 0, fmt.Errorf("event %d has unknown kind %q", seq, kind)
	}
	if err := json.Unmarshal(payload, p); err != nil {
		return e, 0, fmt.Errorf("event %d payload: %w", seq, err)
	}
	e.Payload = p
	return e, seq, nil
}

// DefaultLimit and MaxLimit bound a page of events.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Events returns one page of a person's events, oldest first. rowCursor
// says the engine walks the (occurred_at, seq) index from a row value;
// otherwise the page starts at the equivalent OR.
func Events(ctx context.Context, q Querier, f sesame.EventFilter, rowCursor bool) (sesame.EventPage, error) {
	if f.Person == "" {
		return sesame.EventPage{}, sesame.Errorf(sesame.EINVALID, "person is required")
	}
	limit := f.Limit
	switch {
	case limit < 0:
		return sesame.EventPage{}, sesame.Errorf(sesame.EINVALID, "limit must not be negative")
	case limit == 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	var b strings.Builder
	b.WriteString(`SELECT ` + EventColumns + ` FROM events WHERE person = ?`)
	args := []any{f.Person}
	if f.Cursor != "" {
		c, err := sesame.DecodeCursor(f.Cursor)
		if err != nil {
			return sesame.EventPage{}, err
		}
		if rowCursor {
			b.WriteString(` AND (occurred_at, seq) > (?, ?)`)
			args = append(args, c.OccurredAt, c.Seq)
		} else {
			b.WriteString(` AND (occurred_at > ? OR (occurred_at = ? AND seq > ?))`)
			args = append(args, c.OccurredAt, c.OccurredAt, c.Seq)
		}
	}
	if len(f.Kinds) > 0 {
		b.WriteString(` AND kind IN (?` + strings.Repeat(`, ?`, len(f.Kinds)-1) + `)`)
		for _, k := range f.Kinds {
			args = append(args, string(k))
		}
	}
	for _, c := range []struct {
		cond string
		t    time.Time
	}{{` AND occurred_at >= ?`, f.From}, {` AND occurred_at < ?`, f.To}, {` AND recorded_at < ?`, f.RecordedBefore}} {
		if !c.t.IsZero() {
			b.WriteString(c.cond)
			args = append(args, c.t.UnixNano())
		}
	}
	if f.ForScoring {
		b.WriteString(` AND NOT ` + NotCountedSQL)
	}
	b.WriteString(` ORDER BY occurred_at, seq LIMIT ?`)
	args = append(args, limit+1) // one more tells whether there is a next page

	rows, err := q.Query(ctx, b.String(), args...)
	if err != nil {
		return sesame.EventPage{}, fmt.Errorf("events: %w", err)
	}
	defer closeRows(rows)
	page := sesame.EventPage{Events: []sesame.Event{}}
	var last sesame.Cursor
	for rows.Next() {
		if len(page.Events) == limit {
			page.Next = last.Encode()
			break
		}
		e, seq, err := ScanEvent(rows)
		if err != nil {
			return sesame.EventPage{}, err
		}
		page.Events = append(page.Events, e)
		last = sesame.Cursor{OccurredAt: e.OccurredAt.UnixNano(), Seq: seq}
	}
	if err := rows.Err(); err != nil {
		return sesame.EventPage{}, fmt.Errorf("events: %w", err)
	}
	return page, nil
}

// ScanChunkPeople is how many people ScanPeople reads per query. Each
// chunk is read into memory and its query closed before fn runs, so fn may
// take as long as it likes (and write to the database) without pinning a
// read snapshot.
const ScanChunkPeople = 256

// ScanPeople visits every person after `after`, in ascending order, with
// their events recorded before recordedBefore (zero: all), oldest first.
// chunk reads the events of the next ScanChunkPeople people after a person
// that were recorded before rb, ordered by person.
func ScanPeople(ctx context.Context, after string, recordedBefore time.Time, chunk func(after string, rb int64) (Rows, error),
	fn func(person string, events []sesame.Event) error) error {
	rb := int64(1<<63 - 1)
	if !recordedBefore.IsZero() {
		rb = recordedBefore.UnixNano()
	}
	for {
		rows, err := chunk(after, rb)
		if err != nil {
			return fmt.Errorf("scan people: %w", err)
		}
		var (
			people []string
			events [][]sesame.Event
		)
		err = Each(rows, func(row Row) error {
			e, _, err := ScanEvent(row)
			if n := len(people); err == nil && (n == 0 || people[n-1] != e.Person) {
				people = append(people, e.Person)
				events = append(events, nil)
			}
			if err == nil {
				events[len(events)-1] = append(events[len(events)-1], e)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("scan people: %w", err)
		}
		if len(people) == 0 {
			return nil
		}
		for i, p := range people {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(p, events[i]); err != nil {
				return err
			}
		}
		after = people[len(people)-1]
	}
}
