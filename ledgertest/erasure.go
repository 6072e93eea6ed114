package ledgertest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// RunErasures is the contract between a ledger and its store's eraser: once
// a person is erased, no event of theirs is stored again, whether it is
// resent, new, or racing the erasure. open must return an empty ledger and
// the eraser of the same store.
func RunErasures(t *testing.T, open func(t *testing.T) (Store, sesame.Eraser)) {
	t.Run("RefusedAfterErasure", func(t *testing.T) {
		t.Parallel()
		s, er := open(t)
		testRefusedAfterErasure(t, s, er)
	})
	t.Run("ErasureRacingAppends", func(t *testing.T) {
		t.Parallel()
		s, er := open(t)
		testErasureRacingAppends(t, s, er)
	})
}

func testRefusedAfterErasure(t *testing.T, s Store, er sesame.Eraser) {
	at := Base
	old := NewEvent("bank", "e1", "leaver", sesame.KindPaymentMade, at, 1)
	mustAppend(t, s, old, NewEvent("bank", "e2", "stayer", sesame.KindPaymentMade, at, 2))
	if _, err := er.ErasePerson(ctx, "leaver", "operator:test", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// A person erased before any event of theirs arrived stays out too.
	if _, err := er.ErasePerson(ctx, "never-seen", "person", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	batch := []sesame.Event{
		old, // a message still in the stream, delivered again
		NewEvent("bank", "e3", "leaver", sesame.KindPaymentMade, at.Add(2*time.Hour), 3),
		NewEvent("bank", "e3", "leaver", sesame.KindPaymentMade, at.Add(2*time.Hour), 3), // twice in one batch
		NewEvent("bank", "e4", "stayer", sesame.KindPaymentMade, at.Add(2*time.Hour), 4),
		NewEvent("bank", "e2", "stayer", sesame.KindPaymentMade, at, 2),
		NewEvent("shop", "o1", "never-seen", sesame.KindPaymentMade, at.Add(2*time.Hour), 5),
	}
	got := statuses(mustAppend(t, s, batch...))
	want := []sesame.AppendStatus{sesame.Erased, sesame.Erased, sesame.Erased, sesame.Accepted, sesame.Duplicate, sesame.Erased}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("statuses after the erasure = %v, want %v", got, want)
	}
	for _, p := range []string{"leaver", "never-seen"} {
		if ev := allEvents(t, s, sesame.EventFilter{Person: p}); len(ev) != 0 {
			t.Errorf("%s has %d events after the erasure: %v", p, len(ev), keys(ev))
		}
	}
	if ev := allEvents(t, s, sesame.EventFilter{Person: "stayer"}); len(ev) != 2 {
		t.Errorf("stayer has %d events, want 2 (e2, e4)", len(ev))
	}
	var scanned []string
	if err := s.ScanPeople(ctx, "", time.Time{}, func(person string, _ []sesame.Event) error {
		scanned = append(scanned, person)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(scanned) != "[stayer]" {
		t.Errorf("ScanPeople visited %v, want only stayer", scanned)
	}
	// Erasing again is harmless and keeps refusing.
	if _, err := er.ErasePerson(ctx, "leaver", "operator:test", at.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := statuses(mustAppend(t, s, NewEvent("bank", "e5", "leaver", sesame.KindPaymentMade, at, 6))); got[0] != sesame.Erased {
		t.Errorf("after a second erasure: %v, want erased", got[0])
	}
}

// testErasureRacingAppends erases people while writers keep appending their
// events: whatever the interleaving, none of their events may remain.
func testErasureRacingAppends(t *testing.T, s Store, er sesame.Eraser) {
	racers := RaceErasures(t, er, 3, func(w, round int, people []string) error {
		var batch []sesame.Event
		for p, person := range people {
			id := fmt.Sprintf("w%d-b%d-p%d", w, round, p)
			batch = append(batch, NewEvent("s", id, person, sesame.KindPaymentMade, Base.Add(time.Duration(round)*time.Minute), round))
		}
		_, err := s.Append(ctx, batch)
		return err
	})
	for _, person := range racers {
		if ev := allEvents(t, s, sesame.EventFilter{Person: person}); len(ev) != 0 {
			t.Errorf("%s has %d events after the erasure: %v", person, len(ev), keys(ev))
		}
	}
}

// RaceErasures erases four people one after another while writers goroutines
// keep calling write with their round and the four, until every erasure has
// returned; it returns the four, whose rows the caller then looks for.
func RaceErasures(t *testing.T, er sesame.Eraser, writers int, write func(writer, round int, people []string) error) []string {
	t.Helper()
	people := []string{"racer0", "racer1", "racer2", "racer3"}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for round := 0; ; round++ {
				if err := write(w, round, people); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	for _, person := range people {
		time.Sleep(20 * time.Millisecond)
		if _, err := er.ErasePerson(ctx, person, "operator:test", time.Now()); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
	return people
}

// ErasedGetNoNotices enqueues notices to an erased person and to another,
// as the notifier does after a partner's look at each: only the other's is
// stored. notices(recipient) counts a recipient's stored notices.
func ErasedGetNoNotices(t *testing.T, er sesame.Eraser, feed sesame.NoticeFeed, notices func(recipient string) int) {
	if _, err := er.ErasePerson(ctx, "gone", "operator:test", Base); err != nil {
		t.Fatal(err)
	}
	var ns []sesame.Notice
	for _, p := range []string{"gone", "here"} {
		ns = append(ns, sesame.Notice{ID: "ntc_" + p, Recipient: sesame.PersonRecipient(p), Topic: sesame.TopicAccess,
			Body: []byte(`{}`), CreatedAt: Base.Add(time.Hour)})
	}
	if err := feed.EnqueueNotices(ctx, "", 0, ns); err != nil {
		t.Fatal(err)
	}
	if gone, here := notices(sesame.PersonRecipient("gone")), notices(sesame.PersonRecipient("here")); gone != 0 || here != 1 {
		t.Errorf("%d notices to the erased person, %d to the other (want 0 and 1)", gone, here)
	}
}

// EveryPersonTableErased checks a store's tables with a person column
// (withPerson, from its schema) against what its erasure deletes (erased)
// and what it handles apart (apart): a table in neither would keep an
// erased person's rows.
func EveryPersonTableErased(t *testing.T, withPerson, erased, apart []string) {
	t.Helper()
	for _, table := range withPerson {
		if !slices.Contains(erased, table) && !slices.Contains(apart, table) {
			t.Errorf("table %s has a person column but an erasure leaves its rows: add it to personTables", table)
		}
	}
	if len(withPerson) < len(erased) {
		t.Fatalf("found %d tables with a person column, fewer than the %d erased: the query misses some", len(withPerson), len(erased))
	}
}
