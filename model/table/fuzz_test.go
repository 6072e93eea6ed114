package table

import (
	"bytes"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader: it must return a table or
// an error, never panic, and a table it returns must be rectangular with a
// unique, non-empty header.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"a,b,bad\n1,2,0\n3,4,1\n",
		"x\ty\n1\t\n",
		"\"q,1\",b\n\"a\"\"b\",2\n",
		"\x1f\x8b\x08\x00",
		"a;b;c\n1;2;3\n",
		",,\n,,\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, h := range tb.Header {
			if h == "" || seen[h] {
				t.Fatalf("header %q is empty or repeated", tb.Header)
			}
			seen[h] = true
		}
		if len(tb.Rows) == 0 {
			t.Fatal("a table without rows was returned")
		}
		for i, r := range tb.Rows {
			if len(r) != len(tb.Header) {
				t.Fatalf("row %d has %d fields, header %d", i+1, len(r), len(tb.Header))
			}
		}
	})
}
