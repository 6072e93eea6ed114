package feature

import (
	"context"
	"encoding/json"
	"io"

	"github.com/sesame-credit/sesame"
)

// RawPeopleScanner visits every person of the ledger with their raw events
// (as a store keeps them, in ledger reading order), in batches of whole
// people, calling release when done with a batch: what a store's bulk scan
// offers (sqlite's FeatureStateStore.ScanEvents).
type RawPeopleScanner func(ctx context.Context, fn func(people []RawPerson, release func()) error) error

// BuildDatasetRaw is BuildDataset over raw events: the same rows, byte for
// byte (TestDatasetRawEqualsTyped), folded with ApplyJSON rather than
// decoded into typed payloads first — on a million people the difference
// between minutes and seconds.
func BuildDatasetRaw(ctx context.Context, scan RawPeopleScanner, w io.Writer, opt DatasetOptions) (DatasetStats, error) {
	endNanos := opt.End.UnixNano()
	return buildDataset(ctx, w, opt, func(ctx context.Context, emit func(datasetChunk) error) error {
		return scan(ctx, func(people []RawPerson, release func()) error {
			chunk := datasetChunk{people: make([]personEvents, 0, len(people)), release: release}
			for i := range people {
				events := people[i].Events
				if opt.Backfilled {
					for k := range events {
						events[k].RecordedAt = 0 // taken as recorded when it occurred
					}
				} else if !anyRecordedBefore(events, endNanos) {
					continue // the typed scan, bounded by recorded_at, never meets them
				}
				chunk.people = append(chunk.people, personEvents{person: string(people[i].Person), raw: events})
			}
			return emit(chunk)
		})
	})
}

func anyRecordedBefore(events []RawEvent, t int64) bool {
	for i := range events {
		if events[i].RecordedAt < t {
			return true
		}
	}
	return false
}

// visibleRaw is Visible for a raw event: occurred and recorded (0: taken
// as recorded when it occurred) before t.
func visibleRaw(e *RawEvent, t int64) bool {
	return e.OccurredAt < t && e.RecordedAt < t
}

// buildRowRaw is buildRow for raw events.
func buildRowRaw(s, l *State, vec []float64, buf []byte, pe *personEvents, opt DatasetOptions) rowResult {
	r := rowResult{row: buf}
	s.Reset()
	asOf := opt.AsOf.UnixNano()
	if _, err := s.FoldRaw(pe.raw, asOf); err != nil {
		r.err = err
		return r
	}
	if s.events == 0 { // no label needed
		r.noHistory = true
		return r
	}
	bad, already, err := opt.Outcome.labelRaw(l, pe.raw, asOf, opt.End.UnixNano())
	if err != nil {
		r.err = err
		return r
	}
	return finishRow(r, s, vec, pe.person, bad, already, opt, func(key string) string { return protectedRaw(pe.raw, key, asOf) })
}

// labelRaw is Label over raw events.
func (o Outcome) labelRaw(s *State, events []RawEvent, asOf, end int64) (bad, alreadyBad bool, err error) {
	const second = int64(1e9)
	from, to := floorDiv(asOf, second), floorDiv(end, second)
	s.Reset()
	for i := range events {
		e := &events[i]
		if !visibleRaw(e, end) {
			continue
		}
		hit, fold := o.reads(sesame.Kind(e.Kind))
		if fold {
			if err := s.ApplyJSON(e.Source, e.Kind, e.OccurredAt, e.Payload); err != nil {
				return false, false, err
			}
		}
		if hit {
			if floorDiv(e.OccurredAt, second) < from {
				alreadyBad = true
			} else {
				bad = true
			}
		}
	}
	dBad, dAlready := o.dpd(s, from, to)
	return bad || dBad, alreadyBad || dAlready, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// protectedRaw is protectedValue over raw events: the latest value of a
// protected attribute reported before asOf. Identity reports are rare, so
// decoding their JSON here costs little.
func protectedRaw(events []RawEvent, key string, asOf int64) string {
	v := ""
	for i := range events {
		e := &events[i]
		if sesame.Kind(e.Kind) != sesame.KindIdentityReported || !visibleRaw(e, asOf) {
			continue
		}
		var p struct {
			Protected map[string]string `json:"protected"`
		}
		if json.Unmarshal(e.Payload, &p) == nil {
			if x, ok := p.Protected[key]; ok {
				v = x
			}
		}
	}
	return v
}
