package audit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/sesame-credit/sesame"
)

// Kinds of tampering Verify reports.
const (
	Edited     = "edited"      // an entry's fields no longer match its hash
	Removed    = "removed"     // entries are missing before this one
	Reordered  = "reordered"   // this entry follows another than the one it was written after
	Relinked   = "relinked"    // an entry before this one was edited and its hash rewritten
	PersonLink = "person_link" // the person's own chain skips or misnames an entry of theirs
	Tree       = "tree"        // a stored tree node does not match the entries
	Truncated  = "truncated"   // a signed head covers more entries than the log holds
	Rewritten  = "rewritten"   // the entries a signed head covers no longer have its root
	Forged     = "forged"      // a signed head's signature does not verify
)

// Problem is one place where the log does not hold. Seq names the entry
// (for a head's problem, the last entry the head covers).
type Problem struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// Report is the result of verifying the whole log.
type Report struct {
	OK       bool      `json:"ok"`
	Entries  int       `json:"entries"`
	Head     string    `json:"head"` // the last entry's hash
	Root     string    `json:"root"` // the Merkle root of every entry, hex
	Heads    int       `json:"heads_checked"`
	Problems []Problem `json:"problems,omitempty"`
	// PerPerson counts each person's entries in the verified chain: what a
	// person is told, since Entries would reveal how busy the platform is.
	PerPerson map[string]int `json:"-"`
}

// Options are what Verify checks beyond the store itself.
type Options struct {
	// ExpectHead, when not "", is an entry hash published earlier: it
	// must still be in the chain, or the tail was cut.
	ExpectHead string
	// Published are signed heads kept outside the store (from a server's
	// /v1/access-log/heads or a file): the log must still extend each.
	Published []*sesame.SignedHead
	// TrustedKey, when not "", is the only key heads may be signed with
	// (base64 Ed25519 public key).
	TrustedKey string
}

// Verify reads the whole log — entries, tree and signed heads — and
// checks that they agree: every entry's hash and links, each person's
// links, every stored tree node against the entries, and each signed head
// (kept or published) against the root of the entries it covers.
func Verify(ctx context.Context, log sesame.AccessLog, o Options) (Report, error) {
	heads, err := log.AccessHeads(ctx, 0)
	if err != nil {
		return Report{}, err
	}
	heads = append(heads, o.Published...)
	var entries []*sesame.AccessEntry
	if err := log.ScanAccess(ctx, func(e *sesame.AccessEntry) error {
		c := *e
		entries = append(entries, &c)
		return nil
	}); err != nil {
		return Report{}, err
	}
	r := Check(entries, o.ExpectHead)

	// The tree, rebuilt from the entries as stored, with the roots at
	// the sizes the heads name.
	want := map[int64][]byte{}
	for _, h := range heads {
		want[h.Size] = nil
	}
	built := make(map[sesame.TreeNode][32]byte, 2*len(entries))
	f := &Frontier{}
	if _, ok := want[0]; ok {
		want[0] = f.Root()
	}
	for _, e := range entries {
		for _, n := range f.Append(LeafHash(e.Hash)) {
			built[n.TreeNode] = [32]byte(n.Hash)
		}
		if _, ok := want[f.Size]; ok {
			want[f.Size] = f.Root()
		}
	}
	r.Root = hex.EncodeToString(f.Root())
	stored := 0
	var treeProblems []Problem
	err = log.ScanAccessTree(ctx, func(n sesame.TreeNode, h []byte) error {
		stored++
		b, ok := built[n]
		if !ok || !bytes.Equal(b[:], h) {
			last := min((n.Index+1)<<n.Level, int64(len(entries)))
			treeProblems = append(treeProblems, Problem{last, Tree, fmt.Sprintf("tree node %d/%d (entries %d–%d) does not match the entries as stored", n.Level, n.Index, n.Index<<n.Level+1, (n.Index+1)<<n.Level)})
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	if stored != len(built) && len(treeProblems) == 0 {
		treeProblems = append(treeProblems, Problem{int64(len(entries)), Tree, fmt.Sprintf("the tree holds %d nodes where the entries make %d: nodes were removed", stored, len(built))})
	}
	if len(treeProblems) > 5 {
		n := len(treeProblems)
		treeProblems = append(treeProblems[:5], Problem{treeProblems[5].Seq, Tree, fmt.Sprintf("and %d more tree nodes", n-5)})
	}
	r.Problems = append(r.Problems, treeProblems...)

	untrusted := headTrust(heads, o.TrustedKey)
	sort.SliceStable(heads, func(i, j int) bool { return heads[i].Size < heads[j].Size })
	for _, h := range heads {
		r.Heads++
		if err := untrusted[h]; err != nil {
			r.Problems = append(r.Problems, Problem{h.Size, Forged, err.Error()})
			continue
		}
		if h.Size > int64(len(entries)) {
			r.Problems = append(r.Problems, Problem{h.Size, Truncated, fmt.Sprintf("a head signed at %s covers %d entries but the log holds %d: acknowledged entries were cut, or the store was rolled back", h.At.Format("2006-01-02T15:04:05Z"), h.Size, len(entries))})
			continue
		}
		if got := hex.EncodeToString(want[h.Size]); got != h.Root {
			r.Problems = append(r.Problems, Problem{h.Size, Rewritten, fmt.Sprintf("the first %d entries no longer have the root signed at %s (%s, now %s): entries it covers were changed", h.Size, h.At.Format("2006-01-02T15:04:05Z"), h.Root, got)})
		}
	}
	r.OK = len(r.Problems) == 0
	return r, nil
}

// headTrust checks each head's signature and, when trusted is not "",
// that its key is trusted: the trusted key, or one a trusted key handed
// over to by a rotation's head signed before it. It returns the error of
// each head that fails.
func headTrust(heads []*sesame.SignedHead, trusted string) map[*sesame.SignedHead]error {
	bad := map[*sesame.SignedHead]error{}
	inOrder := slices.Clone(heads)
	slices.SortStableFunc(inOrder, func(a, b *sesame.SignedHead) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Size, b.Size))
	})
	keys := map[string]bool{trusted: true}
	for _, h := range inOrder {
		if err := VerifyHeadSignature(h, ""); err != nil {
			bad[h] = err
			continue
		}
		if trusted == "" {
			continue
		}
		if !keys[h.PublicKey] {
			bad[h] = fmt.Errorf("head of size %d signed at %s is signed by key %s, which neither is the trusted key %s nor was handed over to by a rotation before it",
				h.Size, h.At.Format(time.RFC3339), h.PublicKey, trusted)
			continue
		}
		if h.NextKey != "" {
			keys[h.NextKey] = true
		}
	}
	return bad
}

// Check verifies entries given in stored (seq) order: their hashes, the
// global chain's links and each person's links.
func Check(entries []*sesame.AccessEntry, expectHead string) Report {
	r := Report{Entries: len(entries), PerPerson: map[string]int{}}
	written := make(map[string]int64, len(entries)) // stored hash → seq
	erasedBy := map[int64]int64{}                   // seq → the erasure entry naming it
	for _, e := range entries {
		written[e.Hash] = e.Seq
		if e.ErasedBy == 0 && !IsVoid(e) {
			r.PerPerson[e.Person]++
		}
		if seqs, ok, err := ErasedSeqs(e); ok && err == nil && Matches(e) {
			for _, s := range seqs {
				erasedBy[s] = e.Seq
			}
		}
	}
	present := make(map[int64]bool, len(entries))
	for _, e := range entries {
		present[e.Seq] = true
	}
	lastOf := map[string]int64{} // person → their latest seq so far
	// The global chain's last entry (Part 0), the last entry of each
	// partition, and the last entry of any.
	prevHash, prevSeq := "", int64(0)
	chains := map[int]ChainHead{}
	var last *sesame.AccessEntry
	for _, e := range entries {
		anySeq := int64(0)
		if last != nil {
			anySeq = last.Seq
		}
		last = e
		if e.ErasedBy != 0 {
			// Only the hash and links of an erased entry remain; the
			// erasure entry, hashed itself, must name it.
			if by, ok := erasedBy[e.Seq]; !ok || by != e.ErasedBy || by <= e.Seq {
				r.Problems = append(r.Problems, Problem{e.Seq, Edited, fmt.Sprintf("entry %d is blank as if erased, but no erasure entry after it names it: its contents were removed", e.Seq)})
			}
		} else if !Matches(e) {
			r.Problems = append(r.Problems, Problem{e.Seq, Edited, fmt.Sprintf("entry %d does not match its hash: its contents were changed", e.Seq)})
		} else if _, ok, err := ErasedSeqs(e); ok && err != nil {
			r.Problems = append(r.Problems, Problem{e.Seq, Edited, err.Error()})
		}
		if (IsVoid(e) || e.Part != 0) && e.Seq != anySeq+1 {
			r.Problems = append(r.Problems, Problem{e.Seq, Removed, fmt.Sprintf("entries %d–%d are missing before entry %d", anySeq+1, e.Seq-1, e.Seq)})
		}
		switch {
		case IsVoid(e):
			if e.Person != "" || e.PrevHash != "" || e.ChainPrev != 0 {
				r.Problems = append(r.Problems, Problem{e.Seq, Edited, fmt.Sprintf("entry %d is void but names a person or a link", e.Seq)})
			}
			continue
		case e.Part != 0:
			h := chains[e.Part]
			switch {
			case e.ChainPrev == h.Seq && e.PrevHash == h.Hash:
			case e.ChainPrev == h.Seq:
				r.Problems = append(r.Problems, Problem{e.Seq, Relinked, fmt.Sprintf("entry %d follows an entry of its partition that no longer exists as written: entry %d was edited or replaced (and rehashed)", e.Seq, h.Seq)})
			case e.ChainPrev > h.Seq && e.ChainPrev < e.Seq && !present[e.ChainPrev]:
				r.Problems = append(r.Problems, Problem{e.Seq, Removed, fmt.Sprintf("entry %d follows entry %d of its partition, which is missing", e.Seq, e.ChainPrev)})
			default:
				r.Problems = append(r.Problems, Problem{e.Seq, Reordered, fmt.Sprintf("entry %d was written after entry %d of its partition but now follows entry %d", e.Seq, e.ChainPrev, h.Seq)})
			}
			chains[e.Part] = ChainHead{e.Seq, e.Hash}
		case e.PrevHash != prevHash:
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
		case e.Seq != prevSeq+1:
			r.Problems = append(r.Problems, Problem{e.Seq, Removed, fmt.Sprintf("entry %d follows entry %d: the sequence has a gap", e.Seq, prevSeq)})
		}
		if e.ErasedBy == 0 {
			// A link to an erased entry is kept: the person it named is gone.
			if last := lastOf[e.Person]; e.PersonPrev != last && erasedBy[e.PersonPrev] == 0 {
				r.Problems = append(r.Problems, Problem{e.Seq, PersonLink, fmt.Sprintf("entry %d says %s's previous entry is %d, but it is %d", e.Seq, e.Person, e.PersonPrev, last)})
			}
			lastOf[e.Person] = e.Seq
		}
		if e.Part == 0 {
			prevHash, prevSeq = e.Hash, e.Seq
		}
	}
	if last != nil {
		prevHash, prevSeq = last.Hash, last.Seq
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
