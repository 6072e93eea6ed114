package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// ndjsonDecoder reads one event per line. Memory is bounded by MaxRecord:
// a longer line is skipped to its end and reported, not buffered.
type ndjsonDecoder struct {
	r    *bufio.Reader
	opt  Options
	line int
	buf  []byte
}

func newNDJSONDecoder(r *bufio.Reader, opt Options) *ndjsonDecoder {
	return &ndjsonDecoder{r: r, opt: opt}
}

func (d *ndjsonDecoder) Next() (Record, error) {
	for {
		line, err := d.readLine()
		if err != nil {
			return Record{}, err
		}
		d.line++
		if line == nil {
			return Record{Line: d.line, Err: tooLarge(d.line, d.opt.maxRecord())}, nil
		}
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			continue // blank lines (and a final newline) are not records
		}
		e, err := DecodeEvent(trimmed, d.opt.now())
		return Record{Line: d.line, Event: e, Err: err, Raw: trimmed}, nil
	}
}

// readLine returns the next line without its newline, or nil (and no error)
// for a line over the limit, which it consumes. io.EOF comes only when no
// bytes are left.
func (d *ndjsonDecoder) readLine() ([]byte, error) {
	d.buf = d.buf[:0]
	max := d.opt.maxRecord()
	overflow := false
	for {
		chunk, err := d.r.ReadSlice('\n')
		if !overflow {
			if len(d.buf)+len(chunk) > max+1 { // +1: the newline does not count
				overflow = true
				d.buf = d.buf[:0]
			} else if err == nil && len(d.buf) == 0 {
				return chunk[:len(chunk)-1], nil // the whole line in the reader's buffer: no copy
			} else {
				d.buf = append(d.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			if overflow {
				return nil, nil
			}
			return d.buf[:len(d.buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if overflow {
				return nil, nil
			}
			if len(d.buf) == 0 {
				return nil, io.EOF
			}
			return d.buf, nil
		default:
			return nil, err
		}
	}
}
