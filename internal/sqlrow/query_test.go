package sqlrow

import "testing"

func TestDollars(t *testing.T) {
	for q, want := range map[string]string{
		`SELECT 1`: `SELECT 1`,
		`SELECT a FROM t WHERE b = ? AND c < ? LIMIT ?`: `SELECT a FROM t WHERE b = $1 AND c < $2 LIMIT $3`,
	} {
		if got := Dollars(q); got != want {
			t.Errorf("Dollars(%q) = %q, want %q", q, got, want)
		}
	}
}
