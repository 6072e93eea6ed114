package feature

import (
	"encoding/binary"
	"errors"
	"math"
)

// SnapshotVersion identifies the binary form of a State and the fold that
// produced it. Bump it whenever the State's fields, their encoding or the
// way an event is folded change: a stored snapshot of another version is
// never read, and its person is refolded from the ledger instead.
const SnapshotVersion = 3

// RawEvent is an event as the ledger stores it: times in Unix nanoseconds,
// the kind, and the payload's canonical JSON. Stores hand these to the bulk
// and incremental folds (FoldRaw), which never decode a payload into its
// typed struct. The slices may point into a buffer the store reuses.
type RawEvent struct {
	Seq, OccurredAt, RecordedAt int64
	Source, Kind, Payload       []byte
}

// RawPerson is one person's raw events, in ledger reading order.
type RawPerson struct {
	Person []byte
	Events []RawEvent
}

// Snapshot is a person's folded State as a store keeps it, with the part of
// the ledger it covers, so that a full rescore reads features from it
// instead of refolding every event:
//
//   - every event of the person with seq ≤ Seq is covered: folded in if it
//     occurred before FoldedAt (and was recorded before it), left out
//     otherwise;
//   - Horizon is the earliest occurred_at of a covered event left out
//     (math.MaxInt64: none).
//
// The snapshot therefore gives the exact point-in-time state as of any T
// with FoldedAt ≤ T ≤ Horizon, provided the person has no event after Seq
// (see Current). Features that depend on the as-of time ("months since")
// are computed when read, not stored.
type Snapshot struct {
	Person            string
	Version           int   // SnapshotVersion of the code that wrote it
	Seq               int64 // ledger position covered
	FoldedAt, Horizon int64 // Unix nanoseconds
	State             []byte
}

// Current reports whether the snapshot gives the person's state as of asOf
// (Unix nanoseconds) when their latest event has seq latestSeq.
func (sn *Snapshot) Current(asOf, latestSeq int64) bool {
	return sn.Version == SnapshotVersion && latestSeq <= sn.Seq && sn.FoldedAt <= asOf && asOf <= sn.Horizon
}

// FoldRaw folds the events visible at asOf (Unix nanoseconds: occurred and
// recorded before it) into the state and returns the horizon of those it
// left out, for a Snapshot: the earliest occurred_at of an event left out
// for lying in the future, math.MaxInt64 if none. An event left out only
// because it was recorded at or after asOf (a clock race with ingestion)
// sets the horizon to asOf, so that the snapshot is refolded rather than
// miss it.
func (s *State) FoldRaw(events []RawEvent, asOf int64) (horizon int64, err error) {
	horizon = math.MaxInt64
	for i := range events {
		e := &events[i]
		switch {
		case e.OccurredAt >= asOf:
			horizon = min(horizon, e.OccurredAt)
			continue
		case e.RecordedAt >= asOf:
			horizon = min(horizon, asOf)
			continue
		}
		if err := s.ApplyJSON(e.Source, e.Kind, e.OccurredAt, e.Payload); err != nil {
			return horizon, err
		}
	}
	return horizon, nil
}

var errSnapshot = errors.New("feature: malformed state snapshot")

// AppendBinary appends the state's compact binary form (SnapshotVersion):
// varints throughout, times as differences from the first event's.
func (s *State) AppendBinary(b []byte) ([]byte, error) {
	w := snapWriter{b: b}
	w.u(SnapshotVersion)
	w.i(s.first)
	w.i(s.last)
	w.i(int64(s.events))
	base := s.first
	w.i(int64(s.birthYear))
	w.i(int64(s.education))
	w.i(int64(s.employment))
	w.t(s.employedSince, base)
	w.t(s.addressSince, base)
	w.t(s.phoneSince, base)
	w.i(int64(s.verified))
	w.i(s.incomeMonthly)
	w.i(int64(s.incomeVerified))
	w.u(uint64(s.assetSeen))
	for k := range s.assets {
		if s.assetSeen&(1<<k) != 0 {
			w.i(s.assets[k])
			w.t(s.assetAt[k], base)
		}
	}
	for _, at := range s.factAt {
		w.t(at, base)
	}
	w.u(uint64(len(s.sources)))
	for i := range s.sources {
		w.s(s.sources[i])
		w.t(s.srcLast[i], base)
	}

	w.u(uint64(len(s.accounts)))
	for i := range s.accounts {
		a := &s.accounts[i]
		w.s(a.id)
		w.t(a.limitAt, base)
		w.i(a.limit)
		w.t(a.openedAt, base)
		w.t(a.closedAt, base)
	}
	w.u(uint64(len(s.statements)))
	for i := range s.statements {
		st := &s.statements[i]
		w.u(uint64(st.acct))
		w.u(uint64(st.src))
		w.t(st.issued, base)
		w.t(st.due, base)
		w.i(st.minDue)
		w.i(st.balance)
		w.t(st.cured, base)
		w.t(st.full, base)
	}
	w.u(uint64(len(s.repayments)))
	for i := range s.repayments {
		r := &s.repayments[i]
		w.u(uint64(r.acct))
		w.u(uint64(r.src))
		w.t(r.at, base)
		w.i(r.amount)
	}
	w.u(uint64(len(s.loans)))
	for i := range s.loans {
		l := &s.loans[i]
		w.s(l.id)
		w.u(uint64(l.src))
		w.i(l.principal)
		w.t(l.at, base)
		w.t(l.endedAt, base)
		w.t(l.defaultedAt, base)
		w.t(l.writtenOff, base)
	}
	w.u(uint64(len(s.records)))
	for i := range s.records {
		r := &s.records[i]
		w.s(r.id)
		w.u(uint64(r.src))
		w.t(r.listed, base)
		w.t(r.cleared, base)
	}
	w.u(uint64(len(s.apps)))
	for i := range s.apps {
		a := &s.apps[i]
		w.s(a.id)
		w.u(uint64(a.src))
		w.t(a.at, base)
	}
	w.u(uint64(len(s.payments)))
	for i := range s.payments {
		p := &s.payments[i]
		w.u(uint64(p.src))
		w.t(p.at, base)
		w.i(p.amount)
	}
	w.u(uint64(len(s.bills)))
	for i := range s.bills {
		x := &s.bills[i]
		w.s(x.id)
		w.u(uint64(x.src))
		w.t(x.due, base)
		w.t(x.issued, base)
		w.t(x.paidAt, base)
	}
	w.u(uint64(len(s.rentals)))
	for i := range s.rentals {
		r := &s.rentals[i]
		w.s(r.id)
		w.u(uint64(r.src))
		w.t(r.started, base)
		w.t(r.dueBack, base)
		w.t(r.returned, base)
		w.bool(r.bad)
	}
	w.u(uint64(len(s.orders)))
	for i := range s.orders {
		o := &s.orders[i]
		w.s(o.id)
		w.u(uint64(o.src))
		w.t(o.placed, base)
		w.t(o.payBy, base)
		w.t(o.settled, base)
		w.bool(o.unpaid)
	}
	w.u(uint64(len(s.vouches)))
	for i := range s.vouches {
		v := &s.vouches[i]
		w.s(v.voucher)
		w.t(v.at, base)
		w.bool(v.withdrawn)
	}
	return w.b, nil
}

// UnmarshalBinary replaces the state with one from AppendBinary, reusing
// the state's memory as Reset does. A snapshot of another SnapshotVersion
// or a malformed one is an error and leaves the state empty.
func (s *State) UnmarshalBinary(b []byte) error {
	s.Reset()
	if err := s.decode(b); err != nil {
		s.Reset()
		return err
	}
	return nil
}

func (s *State) decode(b []byte) error {
	r := snapReader{b: b}
	if v := r.u(); v != SnapshotVersion {
		if r.bad {
			return errSnapshot
		}
		return errors.New("feature: state snapshot of another version")
	}
	s.first = r.i()
	s.last = r.i()
	s.events = int(r.i())
	base := s.first
	s.birthYear = int(r.i())
	s.education = int8(r.i())
	s.employment = int8(r.i())
	s.employedSince = r.t(base)
	s.addressSince = r.t(base)
	s.phoneSince = r.t(base)
	s.verified = int8(r.i())
	s.incomeMonthly = r.i()
	s.incomeVerified = int8(r.i())
	s.assetSeen = uint8(r.u())
	for k := range s.assets {
		if s.assetSeen&(1<<k) != 0 {
			s.assets[k] = r.i()
			s.assetAt[k] = r.t(base)
		}
	}
	for k := range s.factAt {
		s.factAt[k] = r.t(base)
	}
	n := r.n()
	for range n {
		s.sources = append(s.sources, r.s())
		s.srcLast = append(s.srcLast, r.t(base))
	}

	n = r.n()
	for range n {
		s.accounts = append(s.accounts, account{id: r.s(), limitAt: r.t(base), limit: r.i(), openedAt: r.t(base), closedAt: r.t(base)})
	}
	n = r.n()
	for range n {
		s.statements = append(s.statements, statement{acct: int32(r.u()), src: uint8(r.u()), issued: r.t(base), due: r.t(base), minDue: r.i(), balance: r.i(), cured: r.t(base), full: r.t(base)})
	}
	n = r.n()
	for range n {
		s.repayments = append(s.repayments, repayment{acct: int32(r.u()), src: uint8(r.u()), at: r.t(base), amount: r.i()})
	}
	n = r.n()
	for range n {
		s.loans = append(s.loans, loan{id: r.s(), src: uint8(r.u()), principal: r.i(), at: r.t(base), endedAt: r.t(base), defaultedAt: r.t(base), writtenOff: r.t(base)})
	}
	n = r.n()
	for range n {
		s.records = append(s.records, record{id: r.s(), src: uint8(r.u()), listed: r.t(base), cleared: r.t(base)})
	}
	n = r.n()
	for range n {
		s.apps = append(s.apps, application{id: r.s(), src: uint8(r.u()), at: r.t(base)})
	}
	n = r.n()
	for range n {
		s.payments = append(s.payments, payment{src: uint8(r.u()), at: r.t(base), amount: r.i()})
	}
	n = r.n()
	for range n {
		s.bills = append(s.bills, bill{id: r.s(), src: uint8(r.u()), due: r.t(base), issued: r.t(base), paidAt: r.t(base)})
	}
	n = r.n()
	for range n {
		s.rentals = append(s.rentals, rental{id: r.s(), src: uint8(r.u()), started: r.t(base), dueBack: r.t(base), returned: r.t(base), bad: r.bool()})
	}
	n = r.n()
	for range n {
		s.orders = append(s.orders, order{id: r.s(), src: uint8(r.u()), placed: r.t(base), payBy: r.t(base), settled: r.t(base), unpaid: r.bool()})
	}
	n = r.n()
	for range n {
		s.vouches = append(s.vouches, vouch{voucher: r.s(), at: r.t(base), withdrawn: r.bool()})
	}
	if r.bad || len(r.b) != 0 {
		return errSnapshot
	}
	for i := range s.statements {
		if int(s.statements[i].acct) >= len(s.accounts) {
			return errSnapshot
		}
	}
	if !s.srcValid() {
		return errSnapshot
	}
	for i := range s.repayments {
		if int(s.repayments[i].acct) >= len(s.accounts) {
			return errSnapshot
		}
	}
	return nil
}

type snapWriter struct{ b []byte }

func (w *snapWriter) u(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *snapWriter) i(v int64)  { w.b = binary.AppendVarint(w.b, v) }

// t writes a time (Unix seconds) relative to base; 0 (none) stays 0.
func (w *snapWriter) t(v, base int64) {
	if v == 0 {
		w.u(0)
		return
	}
	d := v - base
	w.u(uint64(d<<1^d>>63) + 1)
}

func (w *snapWriter) s(v string) {
	w.u(uint64(len(v)))
	w.b = append(w.b, v...)
}

func (w *snapWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// snapReader reads what snapWriter wrote; after the first error every read
// returns zero and bad is set.
type snapReader struct {
	b   []byte
	bad bool
}

func (r *snapReader) u() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) i() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) t(base int64) int64 {
	u := r.u()
	if u == 0 {
		return 0
	}
	u--
	return int64(u>>1) ^ -int64(u&1) + base
}

// n reads a count, bounded by the bytes left (every element takes at least
// one), so that a corrupt count cannot make a huge allocation.
func (r *snapReader) n() int {
	v := r.u()
	if v > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return 0
	}
	return int(v)
}

func (r *snapReader) s() string {
	n := r.n()
	if r.bad {
		return ""
	}
	v := string(r.b[:n])
	r.b = r.b[n:]
	return v
}

func (r *snapReader) bool() bool {
	if len(r.b) == 0 {
		r.bad = true
		return false
	}
	v := r.b[0]
	r.b = r.b[1:]
	if v > 1 {
		r.bad = true
	}
	return v == 1
}

// srcValid reports whether every fact's source index names a source.
func (s *State) srcValid() bool {
	n := len(s.sources)
	ok := func(src uint8) bool { return int(src) < n }
	for i := range s.statements {
		if !ok(s.statements[i].src) {
			return false
		}
	}
	for i := range s.repayments {
		if !ok(s.repayments[i].src) {
			return false
		}
	}
	for i := range s.loans {
		if !ok(s.loans[i].src) && s.loans[i].at != 0 {
			return false
		}
	}
	for i := range s.records {
		if !ok(s.records[i].src) && s.records[i].listed != 0 {
			return false
		}
	}
	for i := range s.apps {
		if !ok(s.apps[i].src) {
			return false
		}
	}
	for i := range s.payments {
		if !ok(s.payments[i].src) {
			return false
		}
	}
	for i := range s.bills {
		if !ok(s.bills[i].src) && s.bills[i].issued != 0 {
			return false
		}
	}
	for i := range s.rentals {
		if !ok(s.rentals[i].src) && s.rentals[i].started != 0 {
			return false
		}
	}
	for i := range s.orders {
		if !ok(s.orders[i].src) && s.orders[i].placed != 0 {
			return false
		}
	}
	return true
}
