package policy

import (
	"io/fs"
	"testing"

	"github.com/sesame-credit/sesame"
)

// FuzzCompile: whatever the source, Compile answers a policy or an
// EINVALID error — never a panic, never another kind of error — and a
// policy that compiles evaluates without panicking.
func FuzzCompile(f *testing.F) {
	names, _ := fs.Glob(shipped, "products/*.cel")
	for _, n := range names {
		b, _ := shipped.ReadFile(n)
		f.Add(string(b))
	}
	for _, s := range []string{`{"decision": "approve"`, `score / 0`, `[1,2].map(x, x)`, `"a" + 1`, `{"decision": band}`, `{}`, `}}}`, "\x00", `features["x"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		pol, err := Compile(sesame.Product{ID: "f", Name: "F", Purpose: sesame.PurposeLoan, Policy: src})
		if err != nil {
			if sesame.ErrorCode(err) != sesame.EINVALID {
				t.Fatalf("error of code %s: %v", sesame.ErrorCode(err), err)
			}
			return
		}
		for _, in := range probeInputs() {
			pol.Evaluate(in)
		}
	})
}
