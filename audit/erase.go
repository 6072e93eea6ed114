package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// EraseAction is the action of the entry that records a person's erasure.
const EraseAction = "person.erase"

// erasedPrefix starts an erasure entry's Reason; the seqs it blanked follow.
const erasedPrefix = "erased entries:"

// Erase appends, in the store's write transaction, the entry recording
// that the entries seqs (all of one person's) are erased, and returns it.
// The store then blanks those entries' fields and sets their ErasedBy to
// the returned entry's Seq, in the same transaction.
//
// An erased entry keeps only its seq, links and hash: its hash stays a
// leaf of the tree and the next entry's PrevHash, so the log verifies, and
// the erasure entry — itself hashed and in the tree — names exactly which
// entries may lack their contents, so blanking another entry is caught.
// The erasure entry names no person: its Person is a fresh receipt id.
func Erase(ctx context.Context, tx AppendTx, actor string, at time.Time, seqs []int64) (*sesame.AccessEntry, error) {
	e, err := EraseEntry(actor, at, seqs)
	if err != nil {
		return nil, err
	}
	var a Appender
	if err := a.Append(ctx, tx, []*sesame.AccessEntry{e}); err != nil {
		return nil, err
	}
	return e, nil
}

// EraseEntry returns the erasure entry naming seqs, not yet sealed: Erase
// appends it to a log with one chain, a partitioned store to a partition.
func EraseEntry(actor string, at time.Time, seqs []int64) (*sesame.AccessEntry, error) {
	var receipt [12]byte
	if _, err := rand.Read(receipt[:]); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(erasedPrefix)
	for i, s := range seqs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(s, 10))
	}
	e := &sesame.AccessEntry{
		At:      at,
		Person:  "erasure:" + hex.EncodeToString(receipt[:]),
		Actor:   actor,
		Action:  EraseAction,
		Outcome: sesame.AccessAllowed,
		Reason:  b.String(),
	}
	return e, nil
}

// ErasedSeqs returns the seqs an erasure entry blanked; ok is false when e
// is not an erasure entry.
func ErasedSeqs(e *sesame.AccessEntry) (seqs []int64, ok bool, err error) {
	if e.Action != EraseAction {
		return nil, false, nil
	}
	list, found := strings.CutPrefix(e.Reason, erasedPrefix)
	if !found {
		return nil, true, fmt.Errorf("erasure entry %d has no list of erased entries", e.Seq)
	}
	if list == "" {
		return nil, true, nil
	}
	for _, f := range strings.Split(list, ",") {
		s, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, true, fmt.Errorf("erasure entry %d: %q is not an entry number", e.Seq, f)
		}
		seqs = append(seqs, s)
	}
	return seqs, true, nil
}
