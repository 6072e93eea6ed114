package portal

import (
	"testing"

	"github.com/sesame-credit/sesame"
)

func TestMoney(t *testing.T) {
	l := &Locale{}
	for _, c := range []struct {
		m    sesame.Money
		want string
	}{
		{sesame.Money{Amount: 781509, Currency: "CNY"}, "CNY 7,815.09"},
		{sesame.Money{Amount: 5, Currency: "CNY"}, "CNY 0.05"},
		{sesame.Money{Amount: 123456789, Currency: "JPY"}, "JPY 123,456,789"},
		{sesame.Money{Amount: 1234567, Currency: "KWD"}, "KWD 1,234.567"},
		{sesame.Money{Amount: -100000, Currency: "USD"}, "USD −1,000.00"},
	} {
		if got := l.Money(c.m); got != c.want {
			t.Errorf("Money(%v) = %q, want %q", c.m, got, c.want)
		}
	}
	if got := majorMoney("CNY", 20000); got != "CNY 20,000" {
		t.Errorf("majorMoney(CNY, 20000) = %q", got)
	}
	if got := majorMoney("CNY", 299.5); got != "CNY 299.50" {
		t.Errorf("majorMoney(CNY, 299.5) = %q", got)
	}
	if got := majorMoney("JPY", 5000); got != "JPY 5,000" {
		t.Errorf("majorMoney(JPY, 5000) = %q", got)
	}
}

func TestOfferSummaryNamesTheCurrency(t *testing.T) {
	got := offerSummary(sesame.DecisionResult{CreditLine: 20000, DepositWaived: 299, Rate: 0.129}, "CNY")
	want := "credit line CNY 20,000 · 12.90% a year · deposit waived up to CNY 299"
	if got != want {
		t.Errorf("offerSummary = %q, want %q", got, want)
	}
}
