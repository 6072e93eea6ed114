package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ingest"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLoaderCountsBatchesAndRejects(t *testing.T) {
	db := openDB(t)
	g := ledgertest.NewGenerator(7, 50)
	var in strings.Builder
	var events []sesame.Event
	for i := 0; i < 2500; i++ {
		e := g.Next()
		events = append(events, e)
		b, _ := json.Marshal(&e)
		in.Write(b)
		in.WriteByte('\n')
		if i == 100 {
			in.WriteString("{\"not\":\"an event\"}\n") // line 102
		}
	}
	// A duplicate and a conflict of events stored earlier in the same load.
	dup, _ := json.Marshal(&events[0])
	conflict := events[1]
	conflict.Payload = ledgertest.Payload(conflict.Kind, conflict.Person, conflict.OccurredAt, 999_999)
	cb, _ := json.Marshal(&conflict)
	in.Write(dup)
	in.WriteByte('\n')
	in.Write(cb)
	in.WriteByte('\n')

	var rejects bytes.Buffer
	var reports []ingest.BatchReport
	l := &ingest.Loader{Store: db.Events(), Batch: 1000, Rejects: &rejects, File: "in.ndjson",
		OnBatch: func(r ingest.BatchReport) { reports = append(reports, r) }}
	dec, err := ingest.NewDecoder(strings.NewReader(in.String()), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := l.Load(context.Background(), dec)
	if err != nil {
		t.Fatal(err)
	}
	want := ingest.Stats{Records: 2503, Accepted: 2500, Duplicates: 1, Conflicts: 1, Rejected: 1}
	if stats != want {
		t.Errorf("stats %+v, want %+v", stats, want)
	}
	if len(reports) != 3 || reports[0].Events != 1000 || reports[2].Events != 502 || reports[2].LastLine != 2503 || reports[2].Stats != want {
		t.Errorf("batch reports %+v", reports)
	}
	var lines []struct {
		File   string
		Line   int
		Status string
		Error  sesame.Error
		Record string
	}
	for _, l := range strings.Split(strings.TrimSpace(rejects.String()), "\n") {
		var r struct {
			File   string
			Line   int
			Status string
			Error  sesame.Error
			Record string
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("reject line %q: %v", l, err)
		}
		lines = append(lines, r)
	}
	if len(lines) != 2 {
		t.Fatalf("reject file has %d lines:\n%s", len(lines), rejects.String())
	}
	if r := lines[0]; r.File != "in.ndjson" || r.Line != 102 || r.Status != "rejected" || r.Error.Code != sesame.EINVALID || r.Record != `{"not":"an event"}` {
		t.Errorf("reject %+v", r)
	}
	if r := lines[1]; r.Line != 2503 || r.Status != "conflict" || r.Error.Code != sesame.ECONFLICT || r.Record != string(cb) {
		t.Errorf("conflict %+v", r)
	}
}

// An erased person's events are counted as erased and written to the
// reject file with their record, not stored.
func TestLoaderCountsErasedPeople(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if _, err := db.Eraser().ErasePerson(ctx, "gone", "operator:test", at); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for i, person := range []string{"gone", "here", "gone"} {
		b, _ := json.Marshal(ledgertest.NewEvent("bank", fmt.Sprint("e", i), person, sesame.KindPaymentMade, at, i))
		in.Write(append(b, '\n'))
	}
	var rejects bytes.Buffer
	l := &ingest.Loader{Store: db.Events(), Rejects: &rejects}
	dec, err := ingest.NewDecoder(strings.NewReader(in.String()), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := l.Load(ctx, dec)
	if err != nil {
		t.Fatal(err)
	}
	if want := (ingest.Stats{Records: 3, Accepted: 1, Erased: 2}); stats != want {
		t.Errorf("stats %+v, want %+v", stats, want)
	}
	if n := strings.Count(rejects.String(), `"status":"erased"`); n != 2 {
		t.Errorf("reject file has %d erased lines:\n%s", n, rejects.String())
	}
}

// failingStore fails its second append.
type failingStore struct {
	sesame.EventStore
	calls int
}

func (f *failingStore) Append(ctx context.Context, events []sesame.Event) ([]sesame.AppendResult, error) {
	f.calls++
	if f.calls == 2 {
		return nil, errors.New("disk full")
	}
	return f.EventStore.Append(ctx, events)
}

func TestLoaderStopsOnStoreError(t *testing.T) {
	db := openDB(t)
	g := ledgertest.NewGenerator(8, 10)
	var in strings.Builder
	for i := 0; i < 1000; i++ {
		e := g.Next()
		b, _ := json.Marshal(&e)
		fmt.Fprintf(&in, "%s\n", b)
	}
	dec, _ := ingest.NewDecoder(strings.NewReader(in.String()), ingest.Options{})
	l := &ingest.Loader{Store: &failingStore{EventStore: db.Events()}, Batch: 100}
	stats, err := l.Load(context.Background(), dec)
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "lines 101–200") {
		t.Fatalf("error %v", err)
	}
	if stats.Accepted != 100 {
		t.Errorf("accepted %d before the failure, want 100", stats.Accepted)
	}
}

func TestLoaderReportsBrokenInput(t *testing.T) {
	db := openDB(t)
	e := ledgertest.NewEvent("s", "1", "p", sesame.KindPaymentMade, ledgertest.Base, 1)
	b, _ := json.Marshal(&e)
	dec, _ := ingest.NewDecoder(strings.NewReader("["+string(b)+", {oops"), ingest.Options{})
	stats, err := (&ingest.Loader{Store: db.Events()}).Load(context.Background(), dec)
	if sesame.ErrorCode(err) != sesame.EINVALID {
		t.Fatalf("error %v, want an invalid-input error", err)
	}
	// The records before the break were still stored.
	if stats.Accepted != 1 {
		t.Errorf("accepted %d, want 1", stats.Accepted)
	}
}
