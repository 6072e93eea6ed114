package audit

import (
	"context"
	"fmt"

	"github.com/sesame-credit/sesame"
)

// Kinds of tampering Verify reports.
const (
	Edited    = "edited"    // an entry's fields no longer match its hash
	Removed   = "removed"   // entries are missing before this one
	Reordered = "reordered" // this entry follows another than the one it was written after
	Relinked  = "relinked"  // an entry before this one was edited and its hash rewritten
)

// Problem is one place where the chain does not hold.
type Problem struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// Report is the result of verifying the whole chain.
type Report struct {
	OK       bool      `json:"ok"`
	Entries  int       `json:"entries"`
	Head     string    `json:"head"` // the last entry's hash: publish it to detect a truncated tail later
	Problems []Problem `json:"problems,omitempty"`
	// PerPerson counts each person's entries in the verified chain: what a
	// person is told, since Entries would reveal how busy the platform is.
	PerPerson map[string]int `json:"-"`
}

// Verify reads the whole log and checks every link. It keeps each entry's
// hash in memory (about 100 bytes an entry) to tell a reordering, whose
// broken link points at another entry of the chain, from a removal, whose
// link points nowhere. expectHead, when not "", is a head published
// earlier: it must still be in the chain, or the tail was cut.
func Verify(ctx context.Context, log sesame.AccessLog, expectHead string) (Report, error) {
	var entries []*sesame.AccessEntry
	err := log.ScanAccess(ctx, func(e *sesame.AccessEntry) error {
		c := *e
		entries = append(entries, &c)
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	return Check(entries, expectHead), nil
}

// Check verifies entries given in stored (seq) order.
func Check(entries []*sesame.AccessEntry, expectHead string) Report {
	r := Report{Entries: len(entries), PerPerson: map[string]int{}}
	written := make(map[string]int64, len(entries)) // stored hash → seq
	for _, e := range entries {
		written[e.Hash] = e.Seq
		r.PerPerson[e.Person]++
	}
	prevHash, prevSeq := "", int64(0)
	for _, e := range entries {
		if got := Hash(e.PrevHash, e); got != e.Hash {
			r.Problems = append(r.Problems, Problem{e.Seq, Edited, fmt.Sprintf("entry %d does not match its hash: its contents were changed", e.Seq)})
		}
		if e.PrevHash != prevHash {
			switch at, known := written[e.PrevHash]; {
			case e.Seq != prevSeq+1 && !known:
				r.Problems = append(r.Problems, Problem{e.Seq, Removed, fmt.Sprintf("entries %d–%d are missing before entry %d", prevSeq+1, e.Seq-1, e.Seq)})
			case known:
				r.Problems = append(r.Problems, Problem{e.Seq, Reordered, fmt.Sprintf("entry %d was written after entry %d but now follows entry %d", e.Seq, at, prevSeq)})
			case e.PrevHash == "":
				r.Problems = append(r.Problems, Problem{e.Seq, Removed, fmt.Sprintf("entry %d was the first of the chain: the entries before it were inserted or it was moved", e.Seq)})
			default:
				r.Problems = append(r.Problems, Problem{e.Seq, Relinked, fmt.Sprintf("entry %d follows an entry that no longer exists as written: entry %d was edited or replaced (and rehashed), or entries before it removed and renumbered", e.Seq, prevSeq)})
			}
		} else if e.Seq != prevSeq+1 && prevSeq != 0 {
			r.Problems = append(r.Problems, Problem{e.Seq, Removed, fmt.Sprintf("entry %d follows entry %d: the sequence has a gap", e.Seq, prevSeq)})
		}
		prevHash, prevSeq = e.Hash, e.Seq
	}
	if expectHead != "" {
		if _, ok := written[expectHead]; !ok {
			r.Problems = append(r.Problems, Problem{prevSeq, Removed, "the head published earlier is not in the chain: entries at the end were removed or rewritten"})
		}
	}
	r.Head = prevHash
	r.OK = len(r.Problems) == 0
	return r
}
