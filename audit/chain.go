// Package audit keeps the access log tamper-evident: one global hash chain
// in which each entry's hash covers its own fields and the previous entry's
// hash. Editing an entry changes its hash; removing or reordering entries
// breaks the link to the previous hash; Verify finds and names each.
//
// One global chain rather than one per person: the log has a single
// writer, one head to publish (`sesame audit verify` prints it), and a
// removed entry of any person breaks the same chain. A person's view is a
// filter of it.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/sesame-credit/sesame"
)

// Hash returns the hex SHA-256 of e's fields and prev, length-prefixed so
// that no two different entries encode alike. Seq is covered, so moving an
// entry to another position changes its hash too. The fields are laid out
// in one buffer and hashed at once: every access entry is sealed while the
// journal's lock is held, and a write to the digest per field took 530 ns
// to this 365 (BenchmarkHashPerField, BenchmarkHash).
func Hash(prev string, e *sesame.AccessEntry) string {
	var stack [512]byte
	b := stack[:0]
	field := func(s string) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	var num [20]byte
	numField := func(v int64) {
		d := strconv.AppendInt(num[:0], v, 10)
		b = binary.BigEndian.AppendUint64(b, uint64(len(d)))
		b = append(b, d...)
	}
	field("sesame.access.v1")
	field(prev)
	numField(e.Seq)
	numField(e.At.UTC().UnixNano())
	field(e.Person)
	field(e.Actor)
	field(e.Action)
	field(string(e.Scope))
	field(string(e.Purpose))
	field(e.Consent)
	field(e.Outcome)
	field(e.Reason)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Seal sets e's PrevHash and Hash given the previous entry's hash; the
// store calls it inside the transaction that appends e.
func Seal(prev string, e *sesame.AccessEntry) {
	e.PrevHash = prev
	e.Hash = Hash(prev, e)
}
