package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// ScanRaw must hand over exactly what ScanPeople reads — the same people,
// events, order and payload bytes — whatever the buffer size (tiny buffers
// make every batch end mid-person and grow for people that do not fit).
func TestScanRawMatchesScanPeople(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	g := simulate.New(simulate.Options{Seed: 7})
	var all []sesame.Event
	for i := 0; i < 60; i++ {
		all = append(all, g.Person(i)...)
	}
	if _, err := db.Events().Append(ctx, all); err != nil {
		t.Fatal(err)
	}
	type row struct {
		person, kind string
		occurred     int64
		payload      string
	}
	var want []row
	err := db.Events().ScanPeople(ctx, "", time.Time{}, func(p string, evs []sesame.Event) error {
		for _, e := range evs {
			payload, _, err := e.Canonical()
			if err != nil {
				return err
			}
			want = append(want, row{p, string(e.Kind), e.OccurredAt.UnixNano(), string(payload)})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	end, err := db.Events().LedgerEnd(ctx)
	if err != nil || end != int64(len(all)) {
		t.Fatalf("LedgerEnd = %d, %v; want %d", end, err, len(all))
	}
	people := map[string]bool{}
	for _, r := range want {
		people[r.person] = true
	}
	mid := simulate.PersonID(30)
	for _, size := range []int{0, 512, 4096} {
		for _, rng := range [][2]string{{"", ""}, {"", mid}, {mid, ""}} {
			t.Run(fmt.Sprintf("buf%d/%s-%s", size, rng[0], rng[1]), func(t *testing.T) {
				var got []row
				seen := map[string]bool{}
				err := db.Events().ScanRaw(ctx, sqlite.RawScan{After: rng[0], UpTo: rng[1], BufferSize: size}, func(b *sqlite.RawBatch) error {
					defer b.Release()
					for _, p := range b.People {
						if seen[string(p.Person)] {
							return fmt.Errorf("person %s visited twice", p.Person)
						}
						seen[string(p.Person)] = true
						for _, e := range p.Events {
							if e.Seq <= 0 || e.RecordedAt <= 0 {
								return fmt.Errorf("bad positions %+v", e)
							}
							got = append(got, row{string(p.Person), string(e.Kind), e.OccurredAt, string(e.Payload)})
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				var w []row
				for _, r := range want {
					if (rng[0] == "" || r.person > rng[0]) && (rng[1] == "" || r.person <= rng[1]) {
						w = append(w, r)
					}
				}
				if len(got) != len(w) {
					t.Fatalf("%d rows, want %d", len(got), len(w))
				}
				for i := range w {
					if got[i] != w[i] {
						t.Fatalf("row %d: got %+v\nwant %+v", i, got[i], w[i])
					}
				}
			})
		}
	}
	// A ledger position excludes later events; an error from fn stops the scan.
	n := 0
	err = db.Events().ScanRaw(ctx, sqlite.RawScan{MaxSeq: 10}, func(b *sqlite.RawBatch) error {
		for _, p := range b.People {
			for _, e := range p.Events {
				if e.Seq > 10 {
					return fmt.Errorf("seq %d past MaxSeq", e.Seq)
				}
				n++
			}
		}
		return nil
	})
	if err != nil || n != 10 {
		t.Fatalf("MaxSeq 10: %d events, %v", n, err)
	}
	stop := fmt.Errorf("stop")
	if err := db.Events().ScanRaw(ctx, sqlite.RawScan{BufferSize: 1024}, func(*sqlite.RawBatch) error { return stop }); err != stop {
		t.Fatalf("fn error: got %v", err)
	}
}
