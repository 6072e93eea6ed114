package audit

import (
	"fmt"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

func chain(n int) []*sesame.AccessEntry {
	var out []*sesame.AccessEntry
	prev := ""
	last := map[string]int64{}
	for i := 1; i <= n; i++ {
		e := &sesame.AccessEntry{Seq: int64(i), At: time.Unix(int64(i), 0), Person: fmt.Sprint("p", i%2), Actor: "partner:a", Outcome: sesame.AccessAllowed}
		e.PersonPrev, last[e.Person] = last[e.Person], e.Seq
		Seal(prev, e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func kinds(r Report) string {
	s := ""
	for _, p := range r.Problems {
		s += fmt.Sprintf("%d:%s ", p.Seq, p.Kind)
	}
	return s
}

func TestCheck(t *testing.T) {
	if r := Check(chain(5), ""); !r.OK || r.Entries != 5 {
		t.Fatalf("intact: %+v", r)
	}
	if r := Check(nil, ""); !r.OK || r.Head != "" {
		t.Fatalf("empty: %+v", r)
	}
	c := chain(5)
	c[2].Reason = "edited"
	if got := kinds(Check(c, "")); got != "3:edited " {
		t.Errorf("edit: %s", got)
	}
	c = chain(5)
	c = append(c[:2], c[3:]...)
	if got := kinds(Check(c, "")); got != "4:removed 5:person_link " {
		t.Errorf("removal: %s", got)
	}
	c = chain(5)
	c[1], c[3] = c[3], c[1]
	if got := kinds(Check(c, "")); got == "" {
		t.Errorf("reorder not detected")
	}
	// Same hash, different position (both swapped entries keep their seq).
	c = chain(5)
	c[1].Seq, c[3].Seq = 4, 2
	c[1], c[3] = c[3], c[1]
	r := Check(c, "")
	if r.OK {
		t.Errorf("swap with renumbering not detected")
	}
	// Hash covers every field.
	base := chain(1)[0]
	for i, mut := range []func(e *sesame.AccessEntry){
		func(e *sesame.AccessEntry) { e.Seq++ }, func(e *sesame.AccessEntry) { e.At = e.At.Add(1) },
		func(e *sesame.AccessEntry) { e.Person += "x" }, func(e *sesame.AccessEntry) { e.Actor += "x" },
		func(e *sesame.AccessEntry) { e.Action += "x" }, func(e *sesame.AccessEntry) { e.Scope += "x" },
		func(e *sesame.AccessEntry) { e.Purpose += "x" }, func(e *sesame.AccessEntry) { e.Consent += "x" },
		func(e *sesame.AccessEntry) { e.Outcome += "x" }, func(e *sesame.AccessEntry) { e.Reason += "x" },
		func(e *sesame.AccessEntry) { e.PersonPrev++ },
	} {
		e := *base
		mut(&e)
		if Hash(e.PrevHash, &e) == base.Hash {
			t.Errorf("field %d is not covered by the hash", i)
		}
	}
	// Length prefixes: moving a character between fields changes the hash.
	a := &sesame.AccessEntry{Person: "ab", Actor: "c"}
	b := &sesame.AccessEntry{Person: "a", Actor: "bc"}
	if Hash("", a) == Hash("", b) {
		t.Error("field boundaries are ambiguous")
	}
}
