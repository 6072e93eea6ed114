// Package audittest is the contract of the access log (sesame.AccessLog):
// appends are sealed, linked and in the tree; and every kind of tampering
// with what was acknowledged — edit, delete, reorder, forge, truncate,
// roll back to an older signed head — is reported by audit.Verify naming
// the entry, and flagged in the person's view. Each engine runs it from its
// tests against its own tables, tampering with plain SQL.
package audittest

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// Log is an access log under test on a fresh database, and a way to run
// SQL on that database behind the store's back, as an intruder would.
type Log struct {
	sesame.AccessLog
	Exec func(t *testing.T, sql string)
	// Eraser, when set, erases people from the same database.
	Eraser sesame.Eraser
}

// Run runs the contract; open returns a log on a fresh, empty database.
func Run(t *testing.T, open func(t *testing.T) Log) {
	t.Run("AppendAndProofs", func(t *testing.T) { testAppend(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("Edit", func(t *testing.T) { testEdit(t, open) })
	t.Run("EditRehashed", func(t *testing.T) { testEditRehashed(t, open(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open) })
	t.Run("Reorder", func(t *testing.T) { testReorder(t, open(t)) })
	t.Run("Forge", func(t *testing.T) { testForge(t, open) })
	t.Run("RotateKey", func(t *testing.T) { testRotateKey(t, open) })
	t.Run("Truncate", func(t *testing.T) { testTruncate(t, open(t)) })
	t.Run("RollBack", func(t *testing.T) { testRollBack(t, open) })
	t.Run("Erase", func(t *testing.T) { testErase(t, open) })
}

// testErase: an erased person's entries keep only their hashes, the log
// (and a head signed before) still verifies, the erasure is an entry; a
// blanked entry no erasure names is caught.
func testErase(t *testing.T, open func(t *testing.T) Log) {
	log := open(t)
	if log.Eraser == nil {
		t.Skip("this store erases no one")
	}
	fill(t, log, 9) // p0, p1, p2 three times each
	before := sign(t, log, t0.Add(time.Hour))
	r, err := log.Eraser.ErasePerson(ctx, "p1", "person", t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r.AccessErased != 3 || r.AccessSeq != 10 {
		t.Fatalf("erasure %+v: want 3 entries erased by entry 10", r)
	}
	if rep := verify(t, log, audit.Options{Published: []*sesame.SignedHead{before}}); !rep.OK {
		t.Fatalf("after erasure: %+v", rep.Problems)
	}
	if es, _ := log.AccessEntries(ctx, "p1", 10); len(es) != 0 {
		t.Fatalf("p1 still has %d entries", len(es))
	}
	if es, _ := log.AccessEntries(ctx, "p2", 10); len(es) != 3 {
		t.Fatalf("p2 has %d entries, want 3", len(es))
	}
	fill(t, log, 3) // p1 again, by the same id: a new chain of theirs
	if rep := verify(t, log, audit.Options{}); !rep.OK {
		t.Fatalf("after erasure and new entries: %+v", rep.Problems)
	}
	log.Exec(t, "UPDATE access_log SET person = '', actor = '', reason = '', erased_by = 10 WHERE seq = 3")
	wantProblem(t, verify(t, log, audit.Options{}), 3, audit.Edited)
}

var (
	ctx = context.Background()
	t0  = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	key = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
)

// fill appends n entries for people p0, p1, p2 in turn.
func fill(t *testing.T, log sesame.AccessLog, n int) {
	t.Helper()
	for i := range n {
		e := &sesame.AccessEntry{At: t0.Add(time.Duration(i) * time.Minute), Person: fmt.Sprintf("p%d", i%3), Actor: "partner:acme",
			Action: "score.read", Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan, Consent: "con_1", Outcome: sesame.AccessAllowed, Reason: "score"}
		if err := log.AppendAccess(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

func sign(t *testing.T, log sesame.AccessLog, at time.Time) *sesame.SignedHead {
	t.Helper()
	h, err := audit.SignNow(ctx, log, key, at)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func verify(t *testing.T, log sesame.AccessLog, o audit.Options) audit.Report {
	t.Helper()
	r, err := audit.Verify(ctx, log, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// nextInChain returns the entry whose PrevHash is entry seq's hash: the
// next in seq order in a log of one chain, the next of its partition in a
// partitioned one.
func nextInChain(t *testing.T, log sesame.AccessLog, seq int64) int64 {
	t.Helper()
	var part int
	next := int64(0)
	if err := log.ScanAccess(ctx, func(e *sesame.AccessEntry) error {
		switch {
		case e.Seq == seq:
			part = e.Part
		case next == 0 && e.Seq > seq && (part == 0 && e.Seq == seq+1 || part != 0 && e.Part == part && e.ChainPrev == seq):
			next = e.Seq
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if next == 0 {
		t.Fatalf("entry %d has no next entry in its chain", seq)
	}
	return next
}

// wantProblem fails unless r reports kind at seq.
func wantProblem(t *testing.T, r audit.Report, seq int64, kind string) {
	t.Helper()
	if r.OK {
		t.Fatalf("tampering not detected: %+v", r)
	}
	for _, p := range r.Problems {
		if p.Seq == seq && p.Kind == kind {
			return
		}
	}
	t.Fatalf("want %s at %d, got %+v", kind, seq, r.Problems)
}

// view is the person's view, verified.
func view(t *testing.T, log sesame.AccessLog, person string) audit.View {
	t.Helper()
	es, err := log.AccessEntries(ctx, person, 1000)
	if err != nil {
		t.Fatal(err)
	}
	v, err := audit.VerifyView(ctx, log, es, true)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantFlagged fails unless the person's view flags entry seq.
func wantFlagged(t *testing.T, v audit.View, seq int64) {
	t.Helper()
	if v.OK {
		t.Fatalf("the person's view does not flag the tampering: %+v", v)
	}
	for _, e := range v.Entries {
		if e.Seq == seq && !e.Verified && e.Problem != "" {
			return
		}
	}
	t.Fatalf("entry %d not flagged in the person's view: %v", seq, v.Problems)
}

func testAppend(t *testing.T, log Log) {
	if r := verify(t, log, audit.Options{}); !r.OK || r.Entries != 0 {
		t.Fatalf("empty log: %+v", r)
	}
	fill(t, log, 10)
	h := sign(t, log, t0.Add(time.Hour))
	fill(t, log, 3) // newer than the head: proved against the current root
	r := verify(t, log, audit.Options{Published: []*sesame.SignedHead{h}})
	if !r.OK || r.Entries != 13 || r.Heads != 2 || len(r.Root) != 64 {
		t.Fatalf("intact log: %+v", r)
	}
	es, err := log.AccessEntries(ctx, "p1", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 4 || es[0].Seq != 12 || es[0].PersonPrev != 8 || es[3].PersonPrev != 0 {
		t.Fatalf("p1's entries, newest first, each linked to the one before: %+v", es)
	}
	v := view(t, log, "p1")
	if !v.OK || v.Head == nil || v.Head.Size != 10 || v.Size != 13 {
		t.Fatalf("p1's view: %+v", v)
	}
	for _, e := range v.Entries {
		want := int64(10)
		if e.Seq > 10 {
			want = 13
		}
		if !e.Verified || e.TreeSize != want || len(e.Proof) == 0 {
			t.Fatalf("entry %d: verified %v against size %d with %d proof hashes, want against %d", e.Seq, e.Verified, e.TreeSize, len(e.Proof), want)
		}
	}
	hs, err := log.AccessHeads(ctx, 0)
	if err != nil || len(hs) != 1 || *hs[0] != *h {
		t.Fatalf("kept heads %+v %v, want the one signed", hs, err)
	}
}

func testConcurrent(t *testing.T, log Log) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				e := &sesame.AccessEntry{At: t0, Person: fmt.Sprintf("p%d", (g+i)%5), Actor: "operator:op", Action: "operator.read",
					Scope: sesame.ScopeFull, Outcome: sesame.AccessAllowed}
				if err := log.AppendAccess(ctx, e); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if r := verify(t, log, audit.Options{}); !r.OK || r.Entries != 200 {
		t.Fatalf("after concurrent appends: %+v", r)
	}
	for p := range 5 {
		if v := view(t, log, fmt.Sprintf("p%d", p)); !v.OK || len(v.Entries) != 40 {
			t.Fatalf("p%d's view: %d entries, %v", p, len(v.Entries), v.Problems)
		}
	}
}

func testEdit(t *testing.T, open func(*testing.T) Log) {
	for _, set := range []string{"outcome = 'denied'", "reason = 'x'", "actor = 'partner:evil'", "at = at + 1",
		"scope = 'full'", "purpose = 'social'", "consent = ''", "action = 'x'", "person_prev = 0", "hash = 'ab'"} {
		t.Run(set, func(t *testing.T) {
			log := open(t)
			fill(t, log, 10)
			sign(t, log, t0.Add(time.Hour))
			next := nextInChain(t, log, 4)
			log.Exec(t, "UPDATE access_log SET "+set+" WHERE seq = 4")
			r := verify(t, log, audit.Options{})
			if set == "hash = 'ab'" {
				wantProblem(t, r, next, audit.Relinked)
			} else {
				wantProblem(t, r, 4, audit.Edited)
			}
			wantFlagged(t, view(t, log, "p0"), 4)
		})
	}
}

// testEditRehashed: the intruder recomputes the edited entry's hash; the
// next entry's link, the tree and the signed head all disagree.
func testEditRehashed(t *testing.T, log Log) {
	fill(t, log, 10)
	sign(t, log, t0.Add(time.Hour))
	es, _ := log.AccessEntries(ctx, "p0", 100)
	var e *sesame.AccessEntry
	for _, x := range es {
		if x.Seq == 4 {
			e = x
		}
	}
	e.Outcome = sesame.AccessDenied
	audit.Seal(e.PrevHash, e)
	next := nextInChain(t, log, 4)
	log.Exec(t, fmt.Sprintf("UPDATE access_log SET outcome = 'denied', hash = '%s' WHERE seq = 4", e.Hash))
	r := verify(t, log, audit.Options{})
	wantProblem(t, r, next, audit.Relinked)
	wantProblem(t, r, 4, audit.Tree)
	wantFlagged(t, view(t, log, "p0"), 4)
}

func testDelete(t *testing.T, open func(*testing.T) Log) {
	t.Run("middle", func(t *testing.T) {
		log := open(t)
		fill(t, log, 10)
		log.Exec(t, "DELETE FROM access_log WHERE seq IN (5, 6)")
		r := verify(t, log, audit.Options{})
		wantProblem(t, r, 7, audit.Removed)
		if !strings.Contains(r.Problems[0].Detail, "5–6") {
			t.Errorf("detail %q should name the missing entries", r.Problems[0].Detail)
		}
		wantFlagged(t, view(t, log, "p1"), 8) // p1's 5 is gone: 8 links to it
	})
	t.Run("first", func(t *testing.T) {
		log := open(t)
		fill(t, log, 5)
		log.Exec(t, "DELETE FROM access_log WHERE seq = 1")
		wantProblem(t, verify(t, log, audit.Options{}), 2, audit.Removed)
		wantFlagged(t, view(t, log, "p0"), 4)
	})
	t.Run("person's rows", func(t *testing.T) {
		// Every row of one person, the newest of the log among them.
		log := open(t)
		fill(t, log, 9)
		sign(t, log, t0.Add(time.Hour))
		log.Exec(t, "DELETE FROM access_log WHERE person = 'p2'")
		r := verify(t, log, audit.Options{})
		wantProblem(t, r, 4, audit.Removed)
		wantProblem(t, r, 9, audit.Truncated)
	})
	t.Run("renumbered", func(t *testing.T) {
		log := open(t)
		fill(t, log, 6)
		log.Exec(t, "DELETE FROM access_log WHERE seq = 3")
		log.Exec(t, "UPDATE access_log SET seq = seq - 1 WHERE seq > 3")
		if r := verify(t, log, audit.Options{}); r.OK {
			t.Fatal("removal with renumbering not detected")
		}
	})
	t.Run("tree", func(t *testing.T) {
		log := open(t)
		fill(t, log, 8)
		// A partitioned log extends its tree when a reader needs it.
		if _, _, err := log.AccessTree(ctx, nil); err != nil {
			t.Fatal(err)
		}
		log.Exec(t, "DELETE FROM access_tree WHERE level = 1 AND idx = 1")
		wantProblem(t, verify(t, log, audit.Options{}), 8, audit.Tree)
		wantFlagged(t, view(t, log, "p0"), 1) // its proof needs the node
	})
}

func testReorder(t *testing.T, log Log) {
	fill(t, log, 10)
	// Swap entries 3 and 7: the rows move, contents and hashes kept.
	log.Exec(t, "UPDATE access_log SET seq = -3 WHERE seq = 3")
	log.Exec(t, "UPDATE access_log SET seq = 3 WHERE seq = 7")
	log.Exec(t, "UPDATE access_log SET seq = 7 WHERE seq = -3")
	wantProblem(t, verify(t, log, audit.Options{}), 3, audit.Reordered)
	wantFlagged(t, view(t, log, "p0"), 3) // entry 7 now at 3
}

func testForge(t *testing.T, open func(*testing.T) Log) {
	t.Run("entry", func(t *testing.T) {
		// An entry appended behind the store's back, correctly chained.
		log := open(t)
		fill(t, log, 4)
		es, _ := log.AccessEntries(ctx, "p0", 1)
		var last *sesame.AccessEntry
		log.ScanAccess(ctx, func(e *sesame.AccessEntry) error { last = e; return nil })
		f := &sesame.AccessEntry{Seq: 5, At: t0.Add(time.Hour), Person: "p0", Actor: "partner:acme", Action: "score.read",
			Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan, Outcome: sesame.AccessAllowed, PersonPrev: es[0].Seq}
		audit.Seal(last.Hash, f)
		log.Exec(t, fmt.Sprintf(`INSERT INTO access_log (seq, at, person, actor, action, scope, purpose, consent, outcome, reason, person_prev, prev_hash, hash)
			VALUES (5, %d, 'p0', 'partner:acme', 'score.read', 'score', 'loan', '', 'allowed', '', %d, '%s', '%s')`, f.At.UnixNano(), f.PersonPrev, f.PrevHash, f.Hash))
		wantProblem(t, verify(t, log, audit.Options{}), 5, audit.Tree)
		wantFlagged(t, view(t, log, "p0"), 5)
	})
	t.Run("head", func(t *testing.T) {
		log := open(t)
		fill(t, log, 4)
		h := sign(t, log, t0.Add(time.Hour))
		other := ed25519.NewKeyFromSeed([]byte(strings.Repeat("x", ed25519.SeedSize)))
		forged := audit.SignHead(other, 4, h.At.Add(time.Minute), make([]byte, 32), nil)
		r := verify(t, log, audit.Options{Published: []*sesame.SignedHead{forged}, TrustedKey: h.PublicKey})
		wantProblem(t, r, 4, audit.Forged)
		bad := *h
		bad.Root = strings.Repeat("0", 64)
		wantProblem(t, verify(t, log, audit.Options{Published: []*sesame.SignedHead{&bad}}), 4, audit.Forged)
		// A forged head in the store itself is flagged in the view.
		if err := log.SaveAccessHead(ctx, &sesame.SignedHead{Size: 4, At: h.At.Add(2 * time.Minute), Root: h.Root, PublicKey: h.PublicKey, Signature: h.Signature}); err != nil {
			t.Fatal(err)
		}
		if v := view(t, log, "p0"); v.OK {
			t.Fatalf("a head whose signature does not verify passes in the view: %+v", v)
		}
	})
}

// testRotateKey: an auditor who pins the first key trusts the key it hands
// over to by a rotation's head, from then on, and no other; the handover is
// stored with the head, and changing it breaks its signature.
func testRotateKey(t *testing.T, open func(*testing.T) Log) {
	log := open(t)
	fill(t, log, 4)
	first := sign(t, log, t0.Add(time.Hour))
	next := ed25519.NewKeyFromSeed([]byte(strings.Repeat("n", ed25519.SeedSize)))
	rotation, err := audit.RotateKey(ctx, log, key, next.Public().(ed25519.PublicKey), t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	fill(t, log, 3)
	if _, err := audit.SignNow(ctx, log, next, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	heads, err := log.AccessHeads(ctx, 0)
	if err != nil || len(heads) != 3 || heads[1].NextKey != rotation.NextKey || rotation.NextKey == "" {
		t.Fatalf("stored heads %+v, %v: want the rotation's (second newest) to name the next key %s", heads, err, rotation.NextKey)
	}
	if r := verify(t, log, audit.Options{TrustedKey: first.PublicKey}); !r.OK || r.Heads != 3 {
		t.Fatalf("pinned to the first key, across the rotation: %+v", r)
	}
	// A key nobody handed over to is not trusted, even with a valid signature.
	other := ed25519.NewKeyFromSeed([]byte(strings.Repeat("x", ed25519.SeedSize)))
	stray := audit.SignHead(other, 7, t0.Add(4*time.Hour), make([]byte, 32), nil)
	wantProblem(t, verify(t, log, audit.Options{TrustedKey: first.PublicKey, Published: []*sesame.SignedHead{stray}}), 7, audit.Forged)
	// The handover rewritten to another key: the rotation's signature
	// fails, and the next key's heads lose their trust with it.
	log.Exec(t, fmt.Sprintf("UPDATE access_heads SET next_key = '%s' WHERE next_key <> ''", base64.StdEncoding.EncodeToString(other.Public().(ed25519.PublicKey))))
	r := verify(t, log, audit.Options{TrustedKey: first.PublicKey})
	wantProblem(t, r, 4, audit.Forged)
	wantProblem(t, r, 7, audit.Forged)
}

// deleteAfter removes entries and tree nodes beyond the first n, as a
// truncation that also rewrites the tree would.
func deleteAfter(t *testing.T, log Log, n int64) {
	log.Exec(t, fmt.Sprintf("DELETE FROM access_log WHERE seq > %d", n))
	for level := range 20 {
		log.Exec(t, fmt.Sprintf("DELETE FROM access_tree WHERE level = %d AND idx >= %d", level, n>>level))
	}
}

func testTruncate(t *testing.T, log Log) {
	fill(t, log, 10)
	sign(t, log, t0.Add(time.Hour))
	deleteAfter(t, log, 7)
	wantProblem(t, verify(t, log, audit.Options{}), 10, audit.Truncated)
	if v := view(t, log, "p0"); v.OK {
		t.Fatalf("a log shorter than its signed head passes in the view: %+v", v)
	}
}

func testRollBack(t *testing.T, open func(*testing.T) Log) {
	t.Run("older head", func(t *testing.T) {
		// The store is put back as it was at an older signed head (its
		// heads table too); the auditor kept the newer one.
		log := open(t)
		fill(t, log, 5)
		sign(t, log, t0.Add(time.Hour))
		fill(t, log, 5)
		newer := sign(t, log, t0.Add(2*time.Hour))
		deleteAfter(t, log, 5)
		log.Exec(t, fmt.Sprintf("DELETE FROM access_heads WHERE size = %d", newer.Size))
		if r := verify(t, log, audit.Options{}); !r.OK {
			t.Fatalf("a rolled-back store is consistent with itself: %+v", r)
		}
		wantProblem(t, verify(t, log, audit.Options{Published: []*sesame.SignedHead{newer}}), 10, audit.Truncated)
	})
	t.Run("rewritten", func(t *testing.T) {
		// A history rebuilt from scratch with one entry changed, every
		// hash and node recomputed: only a head kept outside shows it.
		orig, forged := open(t), open(t)
		fill(t, orig, 6)
		published := sign(t, orig, t0.Add(time.Hour))
		orig.ScanAccess(ctx, func(e *sesame.AccessEntry) error {
			c := *e
			if c.Seq == 3 {
				c.Outcome = sesame.AccessDenied
			}
			return forged.AppendAccess(ctx, &c)
		})
		if r := verify(t, forged, audit.Options{}); !r.OK {
			t.Fatalf("the rewritten log is consistent with itself: %+v", r)
		}
		wantProblem(t, verify(t, forged, audit.Options{Published: []*sesame.SignedHead{published}}), 6, audit.Rewritten)
	})
}
