// Package audit keeps the access log tamper-evident: one global hash chain
// in which each entry's hash covers its own fields and the previous entry's
// hash. Editing an entry changes its hash; removing or reordering entries
// breaks the link to the previous hash; Verify finds and names each.
//
// One global chain, whose entries are also the leaves of a Merkle tree
// (merkle.go) with signed heads (head.go); inside it each person's entries
// link to the person's previous one, so that a person's view is checked
// on its own (view.go): every entry shown has an inclusion proof against a
// signed head, and a missing one breaks the person's links.
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
// entry to another position changes its hash too; so is PersonPrev, the
// link of the person's own chain, when it is set (a person's first entry,
// and entries written before the link existed, hash as version 1).
func Hash(prev string, e *sesame.AccessEntry) string {
	if e.Part != 0 {
		return hashPartitioned(prev, e)
	}
	return hashEntry(prev, e, e.PersonPrev != 0)
}

// Matches reports whether e's stored hash is that of its fields and
// PrevHash. Entries written before the person link existed were given
// their link later (sqlite migration 050), outside their hash.
func Matches(e *sesame.AccessEntry) bool {
	return e.Hash == Hash(e.PrevHash, e) || (e.Part == 0 && e.PersonPrev != 0 && e.Hash == hashEntry(e.PrevHash, e, false))
}

func hashEntry(prev string, e *sesame.AccessEntry, withPersonPrev bool) string {
	label := "sesame.access.v1"
	if withPersonPrev {
		label = "sesame.access.v2"
	}
	return hashFields(label, prev, e, withPersonPrev, false)
}

// hashPartitioned is version 3: an entry of a partitioned log, whose
// partition and link in it are covered too.
func hashPartitioned(prev string, e *sesame.AccessEntry) string {
	return hashFields("sesame.access.v3", prev, e, true, true)
}

func hashFields(label, prev string, e *sesame.AccessEntry, withPersonPrev, withChain bool) string {
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
	field(label)
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
	if withPersonPrev {
		numField(e.PersonPrev)
	}
	if withChain {
		numField(int64(e.Part))
		numField(e.ChainPrev)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Seal sets e's PrevHash and Hash given the previous entry's hash; the
// store calls it inside the transaction that appends e.
func Seal(prev string, e *sesame.AccessEntry) {
	e.PrevHash = prev
	e.Hash = Hash(prev, e)
}
