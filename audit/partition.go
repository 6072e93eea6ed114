package audit

import (
	"fmt"
	"hash/fnv"

	"github.com/sesame-credit/sesame"
)

// A partitioned log (PostgreSQL's) appends without one lock for the whole
// log: each person's entries go to one of Partitions partitions, chosen by
// a hash of the person, and each partition is a hash chain of its own
// (Part, ChainPrev, PrevHash), appended under that partition's lock only.
// Seqs still number every entry of the log, and every entry is a leaf of
// the one Merkle tree in seq order, whose signed heads therefore anchor
// every partition's chain. The tree is extended after the appends, by
// whoever next needs it (ExtendTree), and only over entries whose
// partition links hold. A seq that was drawn but never committed (a
// transaction that failed) is filled by a void entry, so that the tree's
// leaves stay the seqs in order.

// Partitions is how many partitions a partitioned log has.
const Partitions = 16

// PartitionOf returns the partition (1…Partitions) of a person's entries.
func PartitionOf(person string) int {
	h := fnv.New32a()
	h.Write([]byte(person))
	return int(h.Sum32()%Partitions) + 1
}

// VoidAction is the action of a void entry: a seq no read was recorded at.
const VoidAction = "access.void"

// Void returns the sealed void entry at seq: no person, no links.
func Void(seq int64) *sesame.AccessEntry {
	e := &sesame.AccessEntry{Seq: seq, Action: VoidAction}
	Seal("", e)
	return e
}

// IsVoid reports whether e is a void entry.
func IsVoid(e *sesame.AccessEntry) bool { return e.Action == VoidAction && e.Part == 0 }

// ChainHead is a partition's last entry: its seq and hash (0, "": none).
type ChainHead struct {
	Seq  int64
	Hash string
}

// SealPartition seals entries appended in order to partition part after
// its head, with the seqs drawn for them and each person's latest seq
// (last, updated), and returns the partition's new head. The store calls
// it holding the partition's lock.
func SealPartition(head ChainHead, part int, entries []*sesame.AccessEntry, seqs []int64, last map[string]int64) ChainHead {
	for i, e := range entries {
		e.Seq, e.Part, e.ChainPrev = seqs[i], part, head.Seq
		e.PersonPrev = last[e.Person]
		last[e.Person] = e.Seq
		Seal(head.Hash, e)
		head = ChainHead{e.Seq, e.Hash}
	}
	return head
}

// ExtendTree adds e as the next leaf of the tree f when it may be: it is
// the next seq, matches its hash and is either void or linked to its
// partition's head in heads (which it then becomes). It returns the nodes
// to store, or why e may not be added: a log whose tree stops there has
// been tampered with, which Verify then names.
func ExtendTree(f *Frontier, heads map[int]ChainHead, e *sesame.AccessEntry) ([]StoredNode, error) {
	if e.Seq != f.Size+1 {
		return nil, fmt.Errorf("entry %d is not the next of a tree of %d", e.Seq, f.Size)
	}
	// An erased entry keeps only its hash and links: the erasure entry
	// that names it vouches for it (Check).
	if e.ErasedBy == 0 && !Matches(e) {
		return nil, fmt.Errorf("entry %d does not match its hash", e.Seq)
	}
	if !IsVoid(e) {
		if e.Part < 1 || e.Part > Partitions {
			return nil, fmt.Errorf("entry %d is in no partition", e.Seq)
		}
		if h := heads[e.Part]; e.ChainPrev != h.Seq || e.PrevHash != h.Hash {
			return nil, fmt.Errorf("entry %d does not follow entry %d, the last of partition %d", e.Seq, h.Seq, e.Part)
		}
		heads[e.Part] = ChainHead{e.Seq, e.Hash}
	} else if e.Person != "" || e.PrevHash != "" || e.ChainPrev != 0 {
		return nil, fmt.Errorf("entry %d is void but names a person or a link", e.Seq)
	}
	return f.Append(LeafHash(e.Hash)), nil
}
