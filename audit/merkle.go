package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"

	"github.com/sesame-credit/sesame"
)

// The access log's Merkle tree, as Certificate Transparency's (RFC 9162
// §2.1): leaf i is the hash of entry i+1, a leaf hashes as SHA-256(0x00 ||
// entry hash) and an inner node as SHA-256(0x01 || left || right). The
// stores keep every complete subtree's hash (level, index), so that any
// inclusion proof is a few lookups.

// LeafHash returns the tree's leaf for an entry whose hex Hash is entryHash.
func LeafHash(entryHash string) []byte {
	raw, err := hex.DecodeString(entryHash)
	if err != nil {
		raw = []byte(entryHash) // a corrupted hash still hashes, and will not verify
	}
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(raw)
	return h.Sum(nil)
}

func nodeHash(left, right []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(left)
	h.Write(right)
	return h.Sum(nil)
}

// emptyRoot is the root of a tree without leaves: SHA-256 of nothing.
func emptyRoot() []byte {
	s := sha256.Sum256(nil)
	return s[:]
}

// Frontier is the right edge of a tree: the hashes of the complete
// subtrees that make up its first Size leaves, largest first. Appending a
// leaf yields the complete subtrees it finishes, which the store keeps.
type Frontier struct {
	Size  int64
	nodes [][]byte // one per set bit of Size, from the highest bit down
}

// FrontierNodes names the nodes a Frontier of size n is made of.
func FrontierNodes(n int64) []sesame.TreeNode {
	var out []sesame.TreeNode
	var start int64
	for level := 62; level >= 0; level-- {
		if n&(1<<level) != 0 {
			out = append(out, sesame.TreeNode{Level: uint8(level), Index: start >> level})
			start += 1 << level
		}
	}
	return out
}

// LoadFrontier rebuilds the frontier of size n from stored nodes.
func LoadFrontier(n int64, hashes map[sesame.TreeNode][]byte) (*Frontier, error) {
	f := &Frontier{Size: n}
	for _, id := range FrontierNodes(n) {
		h, ok := hashes[id]
		if !ok {
			return nil, fmt.Errorf("audit: tree node %d/%d of a %d-entry log is missing", id.Level, id.Index, n)
		}
		f.nodes = append(f.nodes, h)
	}
	return f, nil
}

// StoredNode is a tree node and its hash, to keep.
type StoredNode struct {
	sesame.TreeNode
	Hash []byte
}

// Append adds a leaf and returns it with every subtree it completes.
func (f *Frontier) Append(leaf []byte) []StoredNode {
	out := []StoredNode{{sesame.TreeNode{Level: 0, Index: f.Size}, leaf}}
	h := leaf
	idx := f.Size
	level := uint8(0)
	// Each trailing one bit of Size is a complete subtree that the new
	// leaf's subtree, of the same size, now pairs with.
	for n := f.Size; n&1 == 1; n >>= 1 {
		left := f.nodes[len(f.nodes)-1]
		f.nodes = f.nodes[:len(f.nodes)-1]
		h = nodeHash(left, h)
		level++
		idx >>= 1
		out = append(out, StoredNode{sesame.TreeNode{Level: level, Index: idx}, h})
	}
	f.nodes = append(f.nodes, h)
	f.Size++
	return out
}

// Root returns the Merkle tree hash of the frontier's leaves.
func (f *Frontier) Root() []byte {
	if len(f.nodes) == 0 {
		return emptyRoot()
	}
	r := f.nodes[len(f.nodes)-1]
	for i := len(f.nodes) - 2; i >= 0; i-- {
		r = nodeHash(f.nodes[i], r)
	}
	return r
}

// Clone returns a copy that appends independently.
func (f *Frontier) Clone() *Frontier {
	return &Frontier{Size: f.Size, nodes: append([][]byte(nil), f.nodes...)}
}

// subtree computes MTH(D[lo:lo+n]) from stored complete subtrees.
func subtree(lo, n int64, get func(sesame.TreeNode) []byte) []byte {
	if n&(n-1) == 0 {
		level := bits.TrailingZeros64(uint64(n))
		return get(sesame.TreeNode{Level: uint8(level), Index: lo >> level})
	}
	k := largestPow2Below(n)
	return nodeHash(subtree(lo, k, get), subtree(lo+k, n-k, get))
}

func largestPow2Below(n int64) int64 {
	return 1 << (63 - bits.LeadingZeros64(uint64(n-1)))
}

// path is RFC 9162's PATH(m, D[lo:lo+n]); sub gives MTH(D[lo:lo+n]).
func path(m, lo, n int64, sub func(lo, n int64) []byte) [][]byte {
	if n <= 1 {
		return nil
	}
	k := largestPow2Below(n)
	if m < k {
		return append(path(m, lo, k, sub), sub(lo+k, n-k))
	}
	return append(path(m-k, lo+k, n-k, sub), sub(lo, k))
}

// ProofNodes names the stored nodes the audit path of leaf m in a tree of
// size n is computed from.
func ProofNodes(m, n int64) []sesame.TreeNode {
	var ids []sesame.TreeNode
	stand := make([]byte, sha256.Size) // hashed, never kept
	rec := func(id sesame.TreeNode) []byte { ids = append(ids, id); return stand }
	path(m, 0, n, func(lo, n int64) []byte { return subtree(lo, n, rec) })
	return ids
}

// errMissingNode is returned when a proof needs a node the store lacks:
// a tree table with rows removed.
var errMissingNode = errors.New("a tree node it needs is missing")

// Prover makes audit paths of leaves in the tree of size N from the stored
// nodes ProofNodes named. The paths share their siblings on the tree's
// right edge, subtrees no stored node holds: each is hashed once.
type Prover struct {
	N      int64
	Hashes map[sesame.TreeNode][]byte
	edge   map[[2]int64][]byte // by (lo, n)
}

// Path returns the audit path of leaf m.
func (p *Prover) Path(m int64) ([][]byte, error) {
	missing := false
	get := func(id sesame.TreeNode) []byte {
		h, ok := p.Hashes[id]
		if !ok {
			missing = true
			return make([]byte, sha256.Size)
		}
		return h
	}
	var sub func(lo, n int64) []byte
	sub = func(lo, n int64) []byte {
		if n&(n-1) == 0 {
			return subtree(lo, n, get)
		}
		if h, ok := p.edge[[2]int64{lo, n}]; ok {
			return h
		}
		k := largestPow2Below(n)
		h := nodeHash(sub(lo, k), sub(lo+k, n-k))
		if !missing { // never keep a hash made from a stand-in
			if p.edge == nil {
				p.edge = map[[2]int64][]byte{}
			}
			p.edge[[2]int64{lo, n}] = h
		}
		return h
	}
	proof := path(m, 0, p.N, sub)
	if missing {
		return nil, errMissingNode
	}
	return proof, nil
}

// VerifyInclusion checks that leaf is leaf m of the tree of size n whose
// root is root, given proof (RFC 9162 §2.1.3.2).
func VerifyInclusion(leaf []byte, m, n int64, proof [][]byte, root []byte) bool {
	if m >= n || m < 0 {
		return false
	}
	fn, sn := m, n-1
	r := leaf
	for _, p := range proof {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = nodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && bytes.Equal(r, root)
}
