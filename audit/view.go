package audit

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/sesame-credit/sesame"
)

// ViewEntry is one entry of a person's view with its proof of inclusion:
// the audit path of leaf Seq-1 in the tree of TreeSize entries.
type ViewEntry struct {
	*sesame.AccessEntry
	TreeSize int64    `json:"tree_size"`
	Proof    []string `json:"inclusion_proof"` // hex hashes, RFC 9162 order
	Verified bool     `json:"verified"`
	Problem  string   `json:"problem,omitempty"`
}

// View is a person's entries, each checked against the log: its hash, its
// link to the person's previous entry and its inclusion in the tree under
// the latest signed head (or, for entries newer than it, the current
// root, to be covered by the next head).
type View struct {
	Entries []ViewEntry        `json:"entries"`
	Head    *sesame.SignedHead `json:"head"` // the signed head the view was checked against; nil before the first
	Size    int64              `json:"size"` // the log's size now
	Root    string             `json:"root"` // its root now, hex
	OK      bool               `json:"ok"`
	// Problems says what does not hold, in words for the person.
	Problems []string `json:"problems,omitempty"`
}

// VerifyView checks a person's entries as AccessEntries returned them
// (newest first). complete says the list holds all of the person's
// entries, so the oldest must be their first. The latest head is checked
// against its own key: which keys to trust is an auditor's question,
// answered by Verify over every head (key rotations included).
func VerifyView(ctx context.Context, log sesame.AccessLog, entries []*sesame.AccessEntry, complete bool) (View, error) {
	v := View{Entries: make([]ViewEntry, len(entries))}
	heads, err := log.AccessHeads(ctx, 1)
	if err != nil {
		return v, err
	}
	size, root, err := CurrentRoot(ctx, log)
	if err != nil {
		return v, err
	}
	v.Size, v.Root = size, hex.EncodeToString(root)
	var headRoot []byte
	if len(heads) > 0 {
		v.Head = heads[0]
		if err := VerifyHeadSignature(v.Head, ""); err != nil {
			v.Problems = append(v.Problems, "The log's latest signed head is not genuine: "+err.Error())
			v.Head = nil
		} else if v.Head.Size > size {
			v.Problems = append(v.Problems, fmt.Sprintf("The log holds %d entries but its signed head covers %d: entries were cut.", size, v.Head.Size))
		} else if headRoot, err = hex.DecodeString(v.Head.Root); err != nil {
			v.Problems = append(v.Problems, "The log's signed head has no readable root.")
			v.Head = nil
		}
	}
	// Each entry is proved against the head when it covers it, else the
	// current tree.
	against := func(e *sesame.AccessEntry) (int64, []byte) {
		if v.Head != nil && headRoot != nil && e.Seq <= v.Head.Size {
			return v.Head.Size, headRoot
		}
		return size, root
	}
	// The entries' audit paths share their upper nodes: each is read once.
	var need []sesame.TreeNode
	seen := map[sesame.TreeNode]bool{}
	for _, e := range entries {
		if n, _ := against(e); e.Seq >= 1 && e.Seq <= n {
			for _, id := range ProofNodes(e.Seq-1, n) {
				if !seen[id] {
					seen[id] = true
					need = append(need, id)
				}
			}
		}
	}
	_, hashes, err := log.AccessTree(ctx, need)
	if err != nil {
		return v, err
	}
	// One prover a tree size (the head's, the current one): the entries'
	// paths share the siblings on each tree's right edge.
	provers := map[int64]*Prover{size: {N: size, Hashes: hashes}}
	if v.Head != nil {
		provers[v.Head.Size] = &Prover{N: v.Head.Size, Hashes: hashes}
	}
	for i, e := range entries {
		ve := ViewEntry{AccessEntry: e}
		n, r := against(e)
		ve.TreeSize = n
		var problem string
		switch {
		case !Matches(e):
			problem = "changed after it was written"
		case i+1 < len(entries) && e.PersonPrev != entries[i+1].Seq:
			problem = fmt.Sprintf("the entry before it (number %d) is missing from your view", e.PersonPrev)
		case i+1 == len(entries) && complete && e.PersonPrev != 0:
			problem = fmt.Sprintf("the entry before it (number %d) is missing from your view", e.PersonPrev)
		case e.Seq < 1 || e.Seq > n:
			problem = "not in the log"
		default:
			// The proof comes from the store's nodes; it must lead to the
			// signed root (or the current one), not just to the store's.
			proof, err := provers[n].Path(e.Seq - 1)
			if err != nil || !VerifyInclusion(LeafHash(e.Hash), e.Seq-1, n, proof, r) {
				problem = "its proof of inclusion in the log does not verify"
				break
			}
			for _, p := range proof {
				ve.Proof = append(ve.Proof, hex.EncodeToString(p))
			}
		}
		if problem != "" {
			ve.Problem = problem
			v.Problems = append(v.Problems, fmt.Sprintf("Entry %d: %s.", e.Seq, problem))
		} else {
			ve.Verified = true
		}
		v.Entries[i] = ve
	}
	v.OK = len(v.Problems) == 0
	return v, nil
}
