package http

import (
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
)

// appendIngestAnswer writes the answer to an ingestion request:
//
//	{"accepted":N,"duplicates":N,"conflicts":N,"rejected":N,"erased":N,"results":[{"line":1,...}]}
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
	b = append(b, `,"erased":`...)
	b = strconv.AppendInt(b, int64(counts[sesame.Erased]), 10)
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
		b = sesame.AppendJSONString(b, l.source)
	}
	if l.id != "" {
		b = append(b, `,"id":`...)
		b = sesame.AppendJSONString(b, l.id)
	}
	b = append(b, `,"status":"`...)
	b = append(b, l.status...)
	b = append(b, '"')
	if l.status == sesame.Rejected {
		b = append(b, `,"field":`...)
		b = sesame.AppendJSONString(b, l.field)
		b = append(b, `,"reason":`...)
		b = sesame.AppendJSONString(b, l.reason)
		if len(l.details) > 0 {
			b = append(b, `,"details":[`...)
			for i, d := range l.details {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"field":`...)
				b = sesame.AppendJSONString(b, d.Field)
				b = append(b, `,"reason":`...)
				b = sesame.AppendJSONString(b, d.Reason)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
	} else if l.status == sesame.Conflict {
		b = append(b, `,"reason":"an event with this source and id is already stored with a different body; send a correction under a new id"`...)
	} else if l.status == sesame.Erased {
		b = append(b, `,"reason":"the person was erased; events for them are not stored"`...)
	}
	if !l.recordedAt.IsZero() {
		b = append(b, `,"recorded_at":"`...)
		b = l.recordedAt.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	return append(b, '}')
}
