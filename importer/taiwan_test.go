package importer

import (
	"compress/gzip"
	"os"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// taiwanFile is the full published table when ../shared/data is present,
// else the committed 3,000-row subset.
func taiwanFile(t *testing.T) (*gzip.Reader, string) {
	t.Helper()
	for _, p := range []string{"../../shared/data/taiwan/default_of_credit_card_clients.csv.gz", "../testdata/taiwan/taiwan_3000.csv.gz"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		t.Cleanup(func() { f.Close() })
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		return z, p
	}
	t.Skip("no Taiwan data: ../shared/data is absent and testdata/taiwan is missing")
	return nil, ""
}

// TestTaiwanStatusesReproduced converts every row and checks that the
// payment grid the feature code derives from statements and repayments
// equals PAY_6 … PAY_0 (−2/−1/0 → current, k → k missed), that every event
// is valid, and that sex is only a protected attribute.
func TestTaiwanStatusesReproduced(t *testing.T) {
	z, path := taiwanFile(t)
	grid := []string{"payment_status_5m_ago", "payment_status_4m_ago", "payment_status_3m_ago", "payment_status_2m_ago", "payment_status_1m_ago", "payment_status_now"}
	var pos [6]int
	for m, n := range grid {
		pos[m] = feature.Index(n)
	}
	age := feature.Index("age_years")
	s := feature.NewState()
	rows, arrears, adjusted, infeasible, tokens := 0, 0, 0, 0, 0
	err := ReadTaiwan(z, func(row *TaiwanRow) error {
		rows++
		events, adj, tok, arr, err := row.Events()
		if err != nil {
			infeasible++
			if infeasible < 5 {
				t.Log(err, row.Paid)
			}
			return nil
		}
		adjusted += adj
		tokens += tok
		if arr {
			arrears++
		}
		s.Reset()
		for i := range events {
			if err := events[i].Validate(TaiwanAsOf.AddDate(1, 0, 0)); err != nil {
				t.Fatalf("row %s: event %d (%s) invalid: %v", row.ID, i, events[i].Kind, err)
			}
			if feature.Visible(&events[i], TaiwanAsOf) {
				s.Apply(&events[i])
			}
		}
		v := s.Features(TaiwanAsOf)
		for m := 0; m < 6; m++ {
			if got, want := max(v[pos[m]], 0), float64(max(row.Status[m], 0)); got != want {
				t.Fatalf("row %s month %d: derived status %v, want %v (PAY_6…PAY_0 = %v)", row.ID, m, v[pos[m]], want, row.Status)
			}
		}
		if v[age] != float64(row.Age) {
			t.Fatalf("row %s: age %v, want %d", row.ID, v[age], row.Age)
		}
		for i := range events {
			if p, ok := events[i].Payload.(*sesame.IdentityReported); ok && row.Sex != 0 && p.Protected["sex"] == "" {
				t.Fatalf("row %s: sex not kept as a protected attribute", row.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if infeasible > 0 {
		t.Errorf("%d rows infeasible", infeasible)
	}
	t.Logf("%s: %d rows reproduced; %d with statements before March; %d balances raised to their minimum; %d token repayments", path, rows, arrears, adjusted, tokens)
}
