package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sesame-credit/sesame"
)

// arrayDecoder reads a JSON array of events one element at a time, so the
// array may be far larger than memory. Unlike NDJSON, a syntax error inside
// the array ends it: there is no line to skip to.
type arrayDecoder struct {
	dec     *json.Decoder
	limit   *elementLimit
	opt     Options
	index   int
	started bool
	done    bool
}

func newArrayDecoder(r *bufio.Reader, opt Options) *arrayDecoder {
	l := &elementLimit{r: r, max: int64(opt.maxRecord())}
	return &arrayDecoder{dec: json.NewDecoder(l), limit: l, opt: opt}
}

// errElementTooLarge is returned by elementLimit; see Options.MaxRecord.
var errElementTooLarge = errors.New("element too large")

// elementLimit stops the JSON decoder from buffering an element of
// unbounded size: it fails a read once the bytes read since the current
// element began exceed the limit (plus the decoder's read-ahead).
type elementLimit struct {
	r    io.Reader
	n    int64 // bytes read so far
	mark int64 // input offset where the current element starts
	max  int64
}

func (l *elementLimit) Read(p []byte) (int, error) {
	if l.n-l.mark > l.max+64<<10 {
		return 0, errElementTooLarge
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

func (d *arrayDecoder) Next() (Record, error) {
	if d.done {
		return Record{}, io.EOF
	}
	if !d.started {
		d.started = true
		tok, err := d.dec.Token()
		if err == io.EOF {
			d.done = true
			return Record{}, io.EOF
		}
		if delim, ok := tok.(json.Delim); err != nil || !ok || delim != '[' {
			return Record{}, d.broken(err)
		}
	}
	if !d.dec.More() {
		d.done = true
		if tok, err := d.dec.Token(); err != nil || tok != json.Delim(']') {
			return Record{}, d.broken(err)
		}
		if _, err := d.dec.Token(); err != io.EOF {
			return Record{}, sesame.Errorf(sesame.EINVALID, "unexpected data after the JSON array's closing ]")
		}
		return Record{}, io.EOF
	}
	d.index++
	d.limit.mark = d.dec.InputOffset()
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		d.done = true
		if errors.Is(err, errElementTooLarge) {
			return Record{}, tooLarge(d.index, d.opt.maxRecord())
		}
		return Record{}, d.broken(err)
	}
	e, err := DecodeEvent(raw, d.opt.now())
	return Record{Line: d.index, Event: e, Err: err, Raw: raw}, nil
}

// broken reports that the array cannot be read on, and where.
func (d *arrayDecoder) broken(err error) error {
	d.done = true
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return sesame.Errorf(sesame.EINVALID, "the JSON array is malformed at byte %d (element %d): %v", syn.Offset, d.index, syn)
	case err == nil || err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return sesame.Errorf(sesame.EINVALID, "the JSON array is malformed or cut short after element %d", d.index)
	case errors.Is(err, errElementTooLarge):
		return tooLarge(d.index, d.opt.maxRecord())
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return sesame.Errorf(sesame.EINVALID, "the JSON array is malformed at element %d: %v", d.index, err)
	}
	return fmt.Errorf("ingest: reading the JSON array: %w", err)
}
