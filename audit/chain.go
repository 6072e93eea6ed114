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
// entry to another position changes its hash too.
func Hash(prev string, e *sesame.AccessEntry) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field("sesame.access.v1")
	field(prev)
	field(strconv.FormatInt(e.Seq, 10))
	field(strconv.FormatInt(e.At.UTC().UnixNano(), 10))
	field(e.Person)
	field(e.Actor)
	field(e.Action)
	field(string(e.Scope))
	field(string(e.Purpose))
	field(e.Consent)
	field(e.Outcome)
	field(e.Reason)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets e's PrevHash and Hash given the previous entry's hash; the
// store calls it inside the transaction that appends e.
func Seal(prev string, e *sesame.AccessEntry) {
	e.PrevHash = prev
	e.Hash = Hash(prev, e)
}
