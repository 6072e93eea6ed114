package feature

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/simulate"
)

// raw turns typed events into the ledger's stored form, recorded at rec.
func raw(t testing.TB, events []sesame.Event, seq0 int64, rec func(i int) time.Time) []RawEvent {
	out := make([]RawEvent, len(events))
	for i := range events {
		p, err := json.Marshal(events[i].Payload)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = RawEvent{Seq: seq0 + int64(i), OccurredAt: events[i].OccurredAt.UnixNano(), RecordedAt: rec(i).UnixNano(), Source: []byte(events[i].Source), Kind: []byte(events[i].Kind), Payload: p}
	}
	return out
}

// TestSnapshotRoundTrip: a restored state encodes to the same bytes and
// reads the same features at every as-of time as the state it came from.
func TestSnapshotRoundTrip(t *testing.T) {
	g := simulate.New(simulate.Options{Seed: 31})
	s, back := NewState(), NewState()
	var buf, again []byte
	size := 0
	for i := 0; i < 2000; i++ {
		s.Reset()
		s.ApplyVisible(g.Person(i), simulate.DefaultEnd)
		var err error
		if buf, err = s.AppendBinary(buf[:0]); err != nil {
			t.Fatal(err)
		}
		size += len(buf)
		if err := back.UnmarshalBinary(buf); err != nil {
			t.Fatalf("person %d: %v", i, err)
		}
		again, _ = back.AppendBinary(again[:0])
		if !bytes.Equal(buf, again) {
			t.Fatalf("person %d: re-encoding differs", i)
		}
		for _, asOf := range []time.Time{simulate.DefaultEnd, simulate.DefaultEnd.AddDate(0, 3, 0), simulate.DefaultEnd.AddDate(1, 0, 0)} {
			a, b := s.Features(asOf), back.Features(asOf)
			for j := range a {
				if !same(a[j], b[j]) {
					t.Fatalf("person %d as of %s: %s %v, restored %v", i, asOf.Format(time.DateOnly), names[j], a[j], b[j])
				}
			}
		}
	}
	t.Logf("2000 people: %d bytes a snapshot on average", size/2000)
	// Truncated, padded or versioned differently: refused, state left empty.
	for _, bad := range [][]byte{nil, buf[:len(buf)/2], append(append([]byte(nil), buf...), 0), append([]byte{SnapshotVersion + 1}, buf[1:]...)} {
		if err := back.UnmarshalBinary(bad); err == nil {
			t.Errorf("accepted a bad snapshot of %d bytes", len(bad))
		}
		if back.Events() != 0 {
			t.Error("a refused snapshot left state behind")
		}
	}
}

// TestSnapshotParity is the snapshot's point-in-time contract: for many
// simulated people, a snapshot taken at one time (covering the events
// recorded so far), stored, restored and brought forward with the events
// recorded since — among them a late event that occurred before the
// snapshot's last event, and one dated after the snapshot — gives exactly
// the features computed from scratch from all events as of the later time.
func TestSnapshotParity(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 500
	}
	r := rand.New(rand.NewPCG(3, 4))
	g := simulate.New(simulate.Options{Seed: 37})
	fold, back := NewState(), NewState()
	var buf []byte
	late := 0
	for i := 0; i < n; i++ {
		events := g.Person(i)
		if len(events) < 4 {
			continue
		}
		end := events[len(events)-1].OccurredAt
		t1 := end.AddDate(0, -2, 0) // the snapshot
		t2 := end.Add(time.Hour)    // the rescore
		// Arrival order: time order, except that one event from before t1
		// arrives late, after the snapshot; and one event occurred after t1
		// but was recorded before it (dated ahead by its source).
		var before, after []sesame.Event
		lateIdx := -1
		for k := range events {
			if events[k].OccurredAt.Before(t1) {
				before = append(before, events[k])
			}
		}
		if len(before) < 2 {
			continue
		}
		lateIdx = r.IntN(len(before) - 1) // never the last: it occurred before the snapshot's last event
		lateEvent := before[lateIdx]
		before = append(before[:lateIdx], before[lateIdx+1:]...)
		ahead := -1
		for k := range events {
			if !events[k].OccurredAt.Before(t1) {
				if ahead < 0 {
					ahead = k
					before = append(before, events[k]) // recorded before t1, occurs after it
					continue
				}
				after = append(after, events[k])
			}
		}
		after = append(after, lateEvent)
		late++

		recBefore := func(int) time.Time { return t1.Add(-time.Minute) }
		recAfter := func(int) time.Time { return t2.Add(-time.Minute) }
		rb := raw(t, before, 1, recBefore)
		ra := raw(t, after, int64(len(rb))+1, recAfter)

		fold.Reset()
		horizon, err := fold.FoldRaw(rb, t1.UnixNano())
		if err != nil {
			t.Fatal(err)
		}
		if ahead >= 0 && horizon != events[ahead].OccurredAt.UnixNano() {
			t.Fatalf("person %d: horizon %d, want the event dated ahead (%d)", i, horizon, events[ahead].OccurredAt.UnixNano())
		}
		if buf, err = fold.AppendBinary(buf[:0]); err != nil {
			t.Fatal(err)
		}
		sn := Snapshot{Version: SnapshotVersion, Seq: int64(len(rb)), FoldedAt: t1.UnixNano(), Horizon: horizon, State: buf}
		if !sn.Current(t1.UnixNano(), sn.Seq) {
			t.Fatal("a fresh snapshot is not current")
		}
		if sn.Current(t2.UnixNano(), sn.Seq+1) {
			t.Fatal("a snapshot with later events is current")
		}

		// Bring it forward: a snapshot whose horizon has passed is refolded
		// from all events, otherwise the new events are folded into it.
		if sn.Current(t2.UnixNano(), sn.Seq) {
			if err := back.UnmarshalBinary(sn.State); err != nil {
				t.Fatal(err)
			}
			if _, err := back.FoldRaw(ra, t2.UnixNano()); err != nil {
				t.Fatal(err)
			}
		} else {
			back.Reset()
			all := append(append([]RawEvent(nil), rb...), ra...)
			if _, err := back.FoldRaw(all, t2.UnixNano()); err != nil {
				t.Fatal(err)
			}
		}
		want := Compute(events, t2)
		got := back.Features(t2)
		for j := range got {
			if !same(got[j], want[j]) {
				t.Fatalf("person %d: %s from snapshot %v, from scratch %v", i, names[j], got[j], want[j])
			}
		}

		// The incremental path proper: the snapshot without the event dated
		// ahead, brought forward with everything recorded since.
		fold.Reset()
		if _, err := fold.FoldRaw(rb[:len(rb)-1], t1.UnixNano()); err != nil {
			t.Fatal(err)
		}
		buf, _ = fold.AppendBinary(buf[:0])
		if err := back.UnmarshalBinary(buf); err != nil {
			t.Fatal(err)
		}
		rest := append([]RawEvent{rb[len(rb)-1]}, ra...)
		if h, err := back.FoldRaw(rest, t2.UnixNano()); err != nil || h != math.MaxInt64 {
			t.Fatalf("fold forward: horizon %d, %v", h, err)
		}
		got = back.Features(t2)
		for j := range got {
			if !same(got[j], want[j]) {
				t.Fatalf("person %d, incremental: %s from snapshot %v, from scratch %v", i, names[j], got[j], want[j])
			}
		}
	}
	if late < n/2 {
		t.Fatalf("only %d people had a late event", late)
	}
	t.Logf("%d people with a late event: snapshot + later events = from scratch", late)
}
