package audit

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/sesame-credit/sesame"
)

// mth is RFC 9162's MTH, computed from the leaves directly.
func mth(leaves [][]byte) []byte {
	switch n := int64(len(leaves)); n {
	case 0:
		s := sha256.Sum256(nil)
		return s[:]
	case 1:
		return leaves[0]
	default:
		k := largestPow2Below(n)
		return nodeHash(mth(leaves[:k]), mth(leaves[k:]))
	}
}

// TestTreeAgainstDefinition: for every size up to 70, the frontier's root
// and every stored node are RFC 9162's, and every leaf's inclusion proof,
// computed from the stored nodes, verifies against that root and fails
// for another leaf or position.
func TestTreeAgainstDefinition(t *testing.T) {
	f := &Frontier{}
	stored := map[sesame.TreeNode][]byte{}
	var leaves [][]byte
	for n := int64(1); n <= 70; n++ {
		leaf := LeafHash(fmt.Sprintf("%064x", n))
		leaves = append(leaves, leaf)
		for _, s := range f.Append(leaf) {
			stored[s.TreeNode] = s.Hash
			lo := s.Index << s.Level
			if want := mth(leaves[lo : lo+1<<s.Level]); !bytes.Equal(s.Hash, want) {
				t.Fatalf("node %d/%d is not the hash of its leaves", s.Level, s.Index)
			}
		}
		root := mth(leaves)
		if !bytes.Equal(f.Root(), root) {
			t.Fatalf("size %d: frontier root differs from MTH", n)
		}
		lf, err := LoadFrontier(n, stored)
		if err != nil || !bytes.Equal(lf.Root(), root) {
			t.Fatalf("size %d: frontier loaded from the nodes: %v", n, err)
		}
		prover := &Prover{N: n, Hashes: stored}
		for m := int64(0); m < n; m++ {
			proof, err := prover.Path(m)
			if err != nil {
				t.Fatalf("size %d leaf %d: %v", n, m, err)
			}
			if !VerifyInclusion(leaves[m], m, n, proof, root) {
				t.Fatalf("size %d leaf %d: proof does not verify", n, m)
			}
			if n > 1 && VerifyInclusion(leaves[(m+1)%n], m, n, proof, root) {
				t.Fatalf("size %d leaf %d: proof verifies another leaf", n, m)
			}
		}
	}
	delete(stored, sesame.TreeNode{Level: 1, Index: 0})
	if _, err := (&Prover{N: 8, Hashes: stored}).Path(3); err == nil {
		t.Fatal("a proof needing a removed node was made")
	}
}
