// Package ingest reads events from files and request bodies — NDJSON, a JSON
// array or CSV — as a stream in constant memory, and loads them into an
// event store in batches. A bad record never stops a stream: it comes out as
// a Record with an error naming the field, and reading goes on.
//
// The formats are documented, with an example per kind, in docs/events.md.
package ingest

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/sesame-credit/sesame"
)

// Record is one decoded input record: an event, or why it is not one.
type Record struct {
	// Line is the record's position: the line number for NDJSON and CSV
	// (1-based, the CSV header is line 1), the element's 1-based index for
	// a JSON array.
	Line  int
	Event sesame.Event
	// Err is a *sesame.Error (code invalid or too_large) naming the bad
	// fields; Event is zero then.
	Err error
	// Raw is the record as read (a CSV record re-encoded as one line), for
	// reject files. It is only valid until the next call to Next.
	Raw []byte
}

// Decoder yields the records of one input in order. Next returns io.EOF
// after the last record; any other error means the input cannot be read on
// (a broken JSON array, an unreadable CSV header, an I/O error).
type Decoder interface {
	Next() (Record, error)
}

// Format is an input format.
type Format string

const (
	Auto   Format = ""       // detect from the first non-space byte: '[' JSON array, '{' NDJSON, else CSV
	NDJSON Format = "ndjson" // one JSON event per line
	JSON   Format = "json"   // one JSON array of events
	CSV    Format = "csv"    // a header row, then one event per row (see docs/events.md)
)

// DefaultMaxRecord is the default limit on one record's size.
const DefaultMaxRecord = 1 << 20

// Options tune a decoder. The zero value is usable.
type Options struct {
	Format Format
	// MaxRecord bounds one line, array element or CSV row in bytes
	// (default DefaultMaxRecord). A longer NDJSON line or CSV row is
	// reported as a too_large record and skipped; a longer JSON array
	// element ends the array, which cannot be resynchronised.
	MaxRecord int
	// Now gives the time that occurred_at is checked against (default time.Now).
	Now func() time.Time
}

func (o Options) maxRecord() int {
	if o.MaxRecord > 0 {
		return o.MaxRecord
	}
	return DefaultMaxRecord
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// NewDecoder returns a decoder for r. With Format Auto it peeks at the first
// non-space byte to choose; an empty input gives a decoder that returns io.EOF.
func NewDecoder(r io.Reader, opt Options) (Decoder, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	format := opt.Format
	if format == Auto {
		var err error
		if format, err = detect(br); err != nil {
			return nil, err
		}
	}
	switch format {
	case NDJSON:
		return newNDJSONDecoder(br, opt), nil
	case JSON:
		return newArrayDecoder(br, opt), nil
	case CSV:
		return newCSVDecoder(br, opt)
	}
	return nil, fmt.Errorf("ingest: unknown format %q", format)
}

// detect looks at the first non-space byte without consuming it.
func detect(br *bufio.Reader) (Format, error) {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			if err == io.EOF {
				return NDJSON, nil // empty: any format yields nothing
			}
			if err == bufio.ErrBufferFull {
				return NDJSON, nil // nothing but space for 256 KiB: let NDJSON skip it
			}
			return "", err
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		case '[':
			return JSON, nil
		case '{':
			return NDJSON, nil
		}
		return CSV, nil
	}
}

func tooLarge(line, limit int) error {
	return &sesame.Error{Code: sesame.ETOOLARGE, Message: "record too large",
		Details: []sesame.FieldError{{Field: "", Reason: fmt.Sprintf("line %d is longer than the limit of %d bytes; split it or raise the limit", line, limit)}}}
}
