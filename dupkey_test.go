package sesame

import "testing"

func TestDuplicateKey(t *testing.T) {
	cases := map[string]string{
		`{"a":1,"b":2}`:                     "",
		`{"a":1,"a":2}`:                     "a",
		`{"a":{"b":1,"c":{"d":1,"d":2}}}`:   "a.c.d",
		`{"a":[{"x":1},{"x":1,"x":2}]}`:     "a[1].x",
		`{"a":{"b":1},"c":{"b":1}}`:         "",
		`[1 2]`:                             "",
		`{"a" 1}`:                           "",
		`{"a":1,"a"`:                        "a", // found before the syntax error
		`[[[[`:                              "",
		`{"a":1}{"a":2}`:                    "",
		`{"\u0061":1,"a":2}`:                "a",
		`{"a":[1,2,{"b":[{"c":1,"c":1}]}]}`: "a[2].b[0].c",
	}
	for in, want := range cases {
		if got := DuplicateKey([]byte(in)); got != want {
			t.Errorf("DuplicateKey(%s) = %q, want %q", in, got, want)
		}
	}
}
