package http

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	nethttp "net/http"
	"strings"
	"sync"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ingest"
)

// handleIngest is POST /v1/events: a batch of events as NDJSON or a JSON
// array, stored line by line.
//
// Per-line acceptance: the valid events of a batch are stored, the invalid
// ones are rejected, and the answer (200) says for every line what happened
// to it. A source therefore never resends its good events because of one bad
// line, and a retry of the whole batch is safe: what was stored comes back as
// duplicate, never stored twice. The request as a whole fails (4xx, nothing
// stored) only when it cannot be read as a batch at all: wrong content type,
// body or batch over the limit, a JSON array that is not well-formed.
//
// The 200 is sent after the store's transaction has committed: every line
// reported accepted is durable.
func (s *Server) handleIngest(w nethttp.ResponseWriter, r *nethttp.Request) error {
	who, err := s.authorize(r, RoleOperator, RoleSource)
	if err != nil {
		return err
	}
	format, err := ingestFormat(r.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	completeTo, err := s.ingestWatermark(r)
	if err != nil {
		return err
	}
	b := batchPool.Get().(*ingestBatch)
	defer b.release()
	if err := s.readBatch(r, format, who, b); err != nil {
		return err
	}
	if len(b.lines) == 0 {
		return sesame.Errorf(sesame.EINVALID, "the body holds no events; send one JSON event per line (application/x-ndjson) or a JSON array of events (application/json)")
	}
	if len(b.events) > 0 {
		results, err := s.appender.Append(r.Context(), b.events)
		if err != nil {
			var inFlight *inFlightError
			if errors.As(err, &inFlight) {
				b.inFlight = true // the committer may still read b.events
			}
			return err
		}
		if len(results) != len(b.events) {
			return fmt.Errorf("event store returned %d results for %d events", len(results), len(b.events))
		}
		for i, res := range results {
			l := &b.lines[b.eventLine[i]]
			l.status, l.recordedAt = res.Status, res.RecordedAt
		}
		if s.OnAccepted != nil {
			s.OnAccepted(acceptedPeople(b.events, results))
		}
		s.Metrics.Business.sourcesAccepted(b.events, results)
	}
	counts := b.count()
	// A batch with a rejected or conflicting line is not the whole of the
	// source's data: its watermark waits for the corrected resend.
	if !completeTo.IsZero() && counts[sesame.Rejected] == 0 && counts[sesame.Conflict] == 0 {
		if err := s.setBatchWatermarks(r.Context(), who, b.events, completeTo); err != nil {
			return err
		}
	}
	ingested := s.Metrics.EventsIngested
	for _, st := range []sesame.AppendStatus{sesame.Accepted, sesame.Duplicate, sesame.Conflict, sesame.Rejected, sesame.Erased} {
		if n := counts[st]; n > 0 {
			ingested.WithLabelValues("http", string(st)).Add(float64(n))
		}
	}
	b.out = appendIngestAnswer(b.out[:0], counts, b.lines)
	writeBody(w, nethttp.StatusOK, "application/json", b.out)
	return nil
}

// readBatch decodes the body into b, enforcing the batch limit.
func (s *Server) readBatch(r *nethttp.Request, format ingest.Format, who Principal, b *ingestBatch) error {
	now := s.Now()
	// ingest.NewDecoder keeps a *bufio.Reader that is already large
	// enough instead of allocating its own: reusing one saves 256 KiB of
	// garbage per request.
	if b.body == nil {
		b.body = bufio.NewReaderSize(r.Body, bodyBufferSize)
	} else {
		b.body.Reset(r.Body)
	}
	defer b.body.Reset(nil)
	if format == ingest.JSON && firstByte(b.body) == '{' {
		return sesame.Errorf(sesame.EINVALID, "application/json takes a JSON array of events; wrap a single event in [ ] or send it as application/x-ndjson")
	}
	dec, err := ingest.NewDecoder(b.body, ingest.Options{Format: format, Now: func() time.Time { return now }})
	if err != nil {
		return bodyError(err)
	}
	for {
		rec, err := dec.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return bodyError(err)
		}
		if len(b.lines) == s.cfg.MaxBatch {
			return sesame.Errorf(sesame.ETOOLARGE, "the batch holds more than %d events, the limit of this server (--max-batch); split it into smaller requests", s.cfg.MaxBatch)
		}
		l := lineResult{line: rec.Line}
		switch {
		case rec.Err != nil:
			l.status = sesame.Rejected
			l.source, l.id = keyOf(rec.Raw)
			l.setReason(rec.Err)
		case who.Role == RoleSource && rec.Event.Source != who.Name:
			l.status, l.source, l.id = sesame.Rejected, rec.Event.Source, rec.Event.ID
			l.field, l.reason = "source", "this token sends events of source "+quote(who.Name)+" only"
		default:
			l.source, l.id = rec.Event.Source, rec.Event.ID
			b.eventLine = append(b.eventLine, len(b.lines))
			b.events = append(b.events, rec.Event)
		}
		b.lines = append(b.lines, l)
	}
}

// firstByte returns the first byte of r that is not JSON white space,
// without consuming it, or 0 when there is none in the buffer's reach.
func firstByte(r *bufio.Reader) byte {
	for n := 1; n <= r.Size(); n++ {
		b, _ := r.Peek(n) // a read error comes back to the decoder on its next read
		if len(b) < n {
			return 0
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		default:
			return c
		}
	}
	return 0
}

// bodyError tells a body that cannot be read as a batch (the caller's
// fault, 4xx) from anything else.
func bodyError(err error) error {
	var e *sesame.Error
	var mbe *nethttp.MaxBytesError
	if errors.As(err, &e) || errors.As(err, &mbe) {
		return err
	}
	return sesame.Errorf(sesame.EINVALID, "the request body could not be read to its end: %v", err)
}

// ingestFormat maps the Content-Type to a decoder format.
func ingestFormat(contentType string) (ingest.Format, error) {
	const want = "send Content-Type: application/x-ndjson (one JSON event per line) or application/json (a JSON array of events)"
	if contentType == "" {
		return "", &sesame.Error{Code: codeUnsupportedMediaType, Message: "the request has no Content-Type; " + want}
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", &sesame.Error{Code: codeUnsupportedMediaType, Message: "the Content-Type " + quote(contentType) + " cannot be parsed; " + want}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "", &sesame.Error{Code: codeUnsupportedMediaType, Message: "events must be UTF-8, not " + quote(cs) + "; " + want}
	}
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		return ingest.NDJSON, nil
	case "application/json":
		return ingest.JSON, nil
	}
	return "", &sesame.Error{Code: codeUnsupportedMediaType, Message: "the Content-Type " + quote(mt) + " is not accepted here; " + want}
}

// keyOf digs the source and id out of a rejected record, so that the
// answer can name the event even when it is invalid. Best effort.
func keyOf(raw []byte) (source, id string) {
	var k struct {
		Source any `json:"source"`
		ID     any `json:"id"`
	}
	if json.Unmarshal(raw, &k) != nil {
		return "", ""
	}
	source, _ = k.Source.(string)
	id, _ = k.ID.(string)
	return source, id
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ingestBatch is the working memory of one ingestion request, pooled so
// that a steady stream of batches does not allocate it again and again.
type ingestBatch struct {
	events    []sesame.Event
	eventLine []int // events[i] came from lines[eventLine[i]]
	lines     []lineResult
	out       []byte
	body      *bufio.Reader
	inFlight  bool // its events went into a transaction that outlived the request
}

var batchPool = sync.Pool{New: func() any { return new(ingestBatch) }}

// bodyBufferSize is the read buffer of a request body: the size that
// ingest.NewDecoder would allocate, so that it takes ours.
const bodyBufferSize = 256 << 10

func (b *ingestBatch) release() {
	if b.inFlight {
		return // not reusable: leave it to the garbage collector
	}
	// Drop references to payloads and strings so the pool does not keep
	// a batch's events alive; keep the capacity.
	clear(b.events)
	clear(b.lines)
	b.events, b.eventLine, b.lines = b.events[:0], b.eventLine[:0], b.lines[:0]
	if cap(b.out) > 4<<20 {
		b.out = nil // a huge answer once should not pin memory forever
	}
	batchPool.Put(b)
}

func (b *ingestBatch) count() map[sesame.AppendStatus]int {
	c := make(map[sesame.AppendStatus]int, 5)
	for i := range b.lines {
		c[b.lines[i].status]++
	}
	return c
}

// lineResult is the outcome for one line (or array element) of a batch.
type lineResult struct {
	line       int
	source, id string
	status     sesame.AppendStatus
	field      string
	reason     string
	details    []sesame.FieldError // all of them, when more than one field is wrong
	recordedAt time.Time
}

func (l *lineResult) setReason(err error) {
	var e *sesame.Error
	if !errors.As(err, &e) {
		l.reason = "invalid event"
		return
	}
	if len(e.Details) == 0 {
		l.reason = e.Message
		return
	}
	l.field, l.reason = e.Details[0].Field, e.Details[0].Reason
	if len(e.Details) > 1 {
		l.details = e.Details
	}
}

// acceptedPeople lists, once each, the people whose events were stored.
func acceptedPeople(events []sesame.Event, results []sesame.AppendResult) []string {
	seen := map[string]bool{}
	var out []string
	for i, r := range results {
		if p := events[i].Person; r.Status == sesame.Accepted && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
