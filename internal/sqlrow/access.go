package sqlrow

import (
	"math"

	"github.com/sesame-credit/sesame"
)

// AccessColumns are the access log's columns both engines keep, in the
// order of AccessValues; erased_by is set only by an erasure.
const AccessColumns = `seq, at, person, actor, action, scope, purpose, consent, outcome, reason, person_prev, prev_hash, hash`

// AccessValues are e's values for AccessColumns.
func AccessValues(e *sesame.AccessEntry) []any {
	return []any{e.Seq, NS(e.At), e.Person, e.Actor, e.Action, string(e.Scope), string(e.Purpose),
		e.Consent, e.Outcome, e.Reason, e.PersonPrev, e.PrevHash, e.Hash}
}

// ScanAccess reads a row of AccessColumns and erased_by, then extra (the
// columns an engine keeps besides).
func ScanAccess(row Row, extra ...any) (*sesame.AccessEntry, error) {
	var e sesame.AccessEntry
	var at int64
	var scope, purpose string
	dest := []any{&e.Seq, &at, &e.Person, &e.Actor, &e.Action, &scope, &purpose, &e.Consent, &e.Outcome, &e.Reason,
		&e.PersonPrev, &e.PrevHash, &e.Hash, &e.ErasedBy}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	e.At, e.Scope, e.Purpose = FromNS(at), sesame.Scope(scope), sesame.Purpose(purpose)
	return &e, nil
}

// HeadColumns are a signed head's columns, in the order of HeadValues and
// ScanHead.
const HeadColumns = `size, at, root, public_key, signature, next_key`

// HeadValues are h's values for HeadColumns.
func HeadValues(h *sesame.SignedHead) []any {
	return []any{h.Size, NS(h.At), h.Root, h.PublicKey, h.Signature, h.NextKey}
}

// ScanHead reads a row of HeadColumns.
func ScanHead(row Row) (*sesame.SignedHead, error) {
	var h sesame.SignedHead
	var at int64
	err := row.Scan(&h.Size, &at, &h.Root, &h.PublicKey, &h.Signature, &h.NextKey)
	h.At = FromNS(at)
	return &h, err
}

// EachNode hands fn every row of (level, idx, hash) of access_tree.
func EachNode(rows Rows, fn func(n sesame.TreeNode, hash []byte) error) error {
	return Each(rows, func(row Row) error {
		var level, idx int64
		var h []byte
		if err := row.Scan(&level, &idx, &h); err != nil {
			return err
		}
		return fn(sesame.TreeNode{Level: uint8(level), Index: idx}, h)
	})
}

// PersonSeqs adds rows of (text, integer), such as (person, seq), to into.
func PersonSeqs(rows Rows, into map[string]int64) error {
	return Each(rows, func(row Row) error {
		var p string
		var seq int64
		err := row.Scan(&p, &seq)
		into[p] = seq
		return err
	})
}

// Page is a page's bounds as a store reads them: at most 1000 rows, and
// below before, or from the top when before is 0.
func Page(before int64, limit int) (int64, int) {
	if limit <= 0 {
		limit = 1000
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	return before, limit
}
