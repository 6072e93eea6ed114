package ingest

import (
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
)

// CSVRecord returns an event as a header and a row in the CSV layout, with
// its kind's columns only and each money field's currency in its own
// F_currency column. It is the inverse of the CSV decoder: tests use it to
// round-trip every kind, docs/events.md its output as examples.
func CSVRecord(e *sesame.Event) (header, row []string, err error) {
	header = []string{"source", "id", "person", "kind", "occurred_at"}
	row = []string{e.Source, e.ID, e.Person, string(e.Kind), e.OccurredAt.Format(time.RFC3339Nano)}
	data, err := json.Marshal(e.Payload)
	if err != nil {
		return nil, nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, nil, err
	}
	for _, c := range csvKinds[e.Kind] {
		raw, present := fields[c.field]
		switch c.typ {
		case cellMoney:
			var m sesame.Money
			if present {
				json.Unmarshal(raw, &m)
			}
			header = append(header, c.field, c.field+"_currency")
			if present {
				row = append(row, strconv.FormatInt(m.Amount, 10), m.Currency)
			} else {
				row = append(row, "", "")
			}
		case cellMap:
			var m map[string]string
			json.Unmarshal(raw, &m)
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				header = append(header, c.field+"."+k)
				row = append(row, m[k])
			}
		default:
			header = append(header, c.field)
			var s string
			if present && json.Unmarshal(raw, &s) != nil {
				s = string(raw) // a number or a boolean
			}
			row = append(row, s)
		}
	}
	return header, row, nil
}
