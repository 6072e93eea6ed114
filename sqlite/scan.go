package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
)

// scanChunkPeople is how many people ScanPeople reads per query. Each chunk
// is read into memory and its query closed before fn runs, so fn may take as
// long as it likes (and write to the database) without pinning a read
// snapshot that would keep the WAL from being checkpointed.
const scanChunkPeople = 256

// ScanPeople visits every person after `after`, in ascending order, with
// their events recorded before recordedBefore (zero: all), oldest first.
func (s *EventStore) ScanPeople(ctx context.Context, after string, recordedBefore time.Time, fn func(person string, events []sesame.Event) error) error {
	rb := int64(1<<63 - 1)
	if !recordedBefore.IsZero() {
		rb = recordedBefore.UnixNano()
	}
	for {
		people, events, err := s.scanChunk(ctx, after, rb)
		if err != nil {
			return err
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

// scanChunk reads the next scanChunkPeople people after `after` that have
// events recorded before rb, with those events.
func (s *EventStore) scanChunk(ctx context.Context, after string, rb int64) ([]string, [][]sesame.Event, error) {
	// The inner query finds the chunk's last person through the person index
	// alone; the outer one reads their events in index order.
	const q = `SELECT seq, source, id, person, kind, occurred_at, occurred_tz, recorded_at, version, payload
		FROM events
		WHERE person > ?1 AND person <= (
			SELECT max(person) FROM (
				SELECT DISTINCT person FROM events WHERE person > ?1 AND recorded_at < ?2 ORDER BY person LIMIT ?3))
		AND recorded_at < ?2
		ORDER BY person, occurred_at, seq`
	rows, err := s.db.reader.QueryContext(ctx, q, after, rb, scanChunkPeople)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: scan people: %w", err)
	}
	defer rows.Close()
	var (
		people []string
		events [][]sesame.Event
	)
	for rows.Next() {
		e, _, err := scanEvent(rows)
		if err != nil {
			return nil, nil, err
		}
		if n := len(people); n == 0 || people[n-1] != e.Person {
			people = append(people, e.Person)
			events = append(events, nil)
		}
		events[len(events)-1] = append(events[len(events)-1], e)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("sqlite: scan people: %w", err)
	}
	return people, events, nil
}
