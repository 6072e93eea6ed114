package http

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sesame-credit/sesame"
)

// appendIngestAnswer writes the answer to an ingestion request:
//
//	{"accepted":N,"duplicates":N,"conflicts":N,"rejected":N,"results":[{"line":1,...}]}
//
// by hand, into a reused buffer: a batch of 10,000 lines would otherwise
// cost as much to answer through encoding/json as to store.
func appendIngestAnswer(b []byte, counts map[sesame.AppendStatus]int, lines []lineResult) []byte {
	b = append(b, `{"accepted":`...)
	b = strconv.AppendInt(b, int64(counts[sesame.Accepted]), 10)
	b = append(b, `,"duplicates":`...)
	b = strconv.AppendInt(b, int64(counts[sesame.Duplicate]), 10)
	b = append(b, `,"conflicts":`...)
	b = strconv.AppendInt(b, int64(counts[sesame.Conflict]), 10)
	b = append(b, `,"rejected":`...)
	b = strconv.AppendInt(b, int64(counts[sesame.Rejected]), 10)
	b = append(b, `,"results":[`...)
	for i := range lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendLineResult(b, &lines[i])
	}
	return append(b, "]}\n"...)
}

func appendLineResult(b []byte, l *lineResult) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(l.line), 10)
	if l.source != "" {
		b = append(b, `,"source":`...)
		b = appendJSONString(b, l.source)
	}
	if l.id != "" {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, l.id)
	}
	b = append(b, `,"status":"`...)
	b = append(b, l.status...)
	b = append(b, '"')
	if l.status == sesame.Rejected {
		b = append(b, `,"field":`...)
		b = appendJSONString(b, l.field)
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, l.reason)
		if len(l.details) > 0 {
			b = append(b, `,"details":[`...)
			for i, d := range l.details {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"field":`...)
				b = appendJSONString(b, d.Field)
				b = append(b, `,"reason":`...)
				b = appendJSONString(b, d.Reason)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
	} else if l.status == sesame.Conflict {
		b = append(b, `,"reason":"an event with this source and id is already stored with a different body; send a correction under a new id"`...)
	}
	if !l.recordedAt.IsZero() {
		b = append(b, `,"recorded_at":"`...)
		b = l.recordedAt.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does, so the answer is always valid JSON
// whatever a rejected line held.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but end lines in JavaScript.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
