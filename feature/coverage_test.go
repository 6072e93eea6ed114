package feature

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// onTimePayer is a card holder who paid every statement in full, on time,
// for a year; the card's data stops (its watermark) on the day the last
// statement is issued, before that statement is due.
func onTimePayer() (events []sesame.Event, watermark time.Time) {
	var b builder
	b.add(day(0), sesame.KindCreditLineOpened, &sesame.CreditLineOpened{Account: "c", Type: "credit_card", Limit: cny(5000)})
	for m := 0; m < 12; m++ {
		issued := t0.AddDate(0, m, 1)
		b.add(issued, sesame.KindStatementIssued, &sesame.StatementIssued{Account: "c", Balance: cny(800), MinimumDue: cny(80), DueAt: issued.AddDate(0, 0, 20)})
		if m < 11 {
			b.add(issued.AddDate(0, 0, 12), sesame.KindRepaymentMade, &sesame.RepaymentMade{Account: "c", Amount: cny(800)})
		}
	}
	return b.events, t0.AddDate(0, 11, 2)
}

// A person who paid every statement on time is never past due, whatever
// "now" is: a statement due after the data stopped is not unpaid.
func TestOnTimePayerNeverPastDue(t *testing.T) {
	events, wm := onTimePayer()
	cov := &Coverage{Watermarks: map[string]time.Time{"t": wm}}
	s := NewState()
	for _, after := range []int{0, 1, 19, 20, 21, 36, 45, 60, 91, 200, 400, 2000} {
		now := wm.AddDate(0, 0, after)
		s.Reset()
		s.ApplyVisible(events, now)
		v := s.FeaturesInto(nil, now, nil, cov)
		for _, name := range []string{"worst_dpd_3m", "worst_dpd_12m", "worst_dpd_24m", "episodes_30dpd", "months_late_recent_6m"} {
			if got := value(v, name); got != 0 {
				t.Errorf("%d days after the data stopped: %s = %v, want 0", after, name, got)
			}
		}
		for j := range paymentStatusFeatures {
			if got := v[paymentStatusFeatures[j]]; got > 0 {
				t.Errorf("%d days after the data stopped: %s = %v, want no payment missed", after, names[paymentStatusFeatures[j]], got)
			}
		}
		if got := value(v, "on_time_repayment_ratio"); got != 1 {
			t.Errorf("%d days after: on_time_repayment_ratio = %v, want 1", after, got)
		}
		// Silence is counted only up to the watermark: the last repayment
		// was 10 days before it, whatever the day.
		if got := value(v, "days_since_last_activity"); got > 10 {
			t.Errorf("%d days after: days_since_last_activity = %v, want ≤ 10", after, got)
		}
		if got := value(v, "repaid_last_month"); got != 800 {
			t.Errorf("%d days after: repaid_last_month = %v, want 800", after, got)
		}
	}
	// The test means something: without the watermark, 60 days on, the
	// last statement is taken for unpaid.
	now := wm.AddDate(0, 0, 60)
	if v := Compute(events, now); value(v, "payment_status_now") < 1 || value(v, "worst_dpd_3m") < 30 {
		t.Fatalf("without a watermark the unpaid-looking statement should count: status %v, dpd %v", value(v, "payment_status_now"), value(v, "worst_dpd_3m"))
	}
}

// Two sources are judged each by its own clock: a stale card does not make
// the fresh utility's bills unpaid, nor the utility's freshness the card's
// statement.
func TestEachSourceByItsOwnWatermark(t *testing.T) {
	events, cardWM := onTimePayer()
	now := cardWM.AddDate(0, 2, 0)
	var b builder
	b.events = events
	bill := func(id string, issued time.Time, paid bool) {
		e := b.add(issued, sesame.KindBillIssued, &sesame.BillIssued{Bill: id, Category: "electricity", Amount: cny(100), DueAt: issued.AddDate(0, 0, 10)})
		e.Source = "utility"
		if paid {
			e := b.add(issued.AddDate(0, 0, 5), sesame.KindBillPaid, &sesame.BillPaid{Bill: id, Amount: cny(100)})
			e.Source = "utility"
		}
	}
	bill("b1", now.AddDate(0, 0, -40), true)
	bill("b2", now.AddDate(0, 0, -20), false) // due 10 days ago, unpaid: overdue
	cov := &Coverage{Watermarks: map[string]time.Time{"t": cardWM, "utility": now}}
	s := NewState()
	s.ApplyVisible(b.events, now)
	v := s.FeaturesInto(nil, now, nil, cov)
	if got := value(v, "bills_overdue_now"); got != 1 {
		t.Errorf("bills_overdue_now = %v, want 1 (the utility is fresh)", got)
	}
	if got := value(v, "payment_status_now"); got > 0 {
		t.Errorf("payment_status_now = %v: the card's last statement is due after its data stopped", got)
	}
	got := s.DataAsOf(now, cov)
	if len(got) != 2 || got[0].Source != "t" || !got[0].AsOf.Equal(cardWM) || !got[0].Stale || got[1].Source != "utility" || got[1].Stale {
		t.Errorf("DataAsOf = %+v, want the card stale at its watermark and the utility current", got)
	}
}

// A negative record stops counting after the retention; before, it counts.
func TestNegativeRecordsAgeOut(t *testing.T) {
	var b builder
	b.add(day(0), sesame.KindLoanOriginated, &sesame.LoanOriginated{Loan: "l", Principal: cny(10000), TermMonths: 12})
	b.add(day(200), sesame.KindLoanDefaulted, &sesame.LoanDefaulted{Loan: "l", Outstanding: cny(4000)})
	b.add(day(210), sesame.KindPublicRecordListed, &sesame.PublicRecordListed{Record: "r", Type: "judgment"})
	b.add(day(220), sesame.KindCreditLineOpened, &sesame.CreditLineOpened{Account: "c", Type: "credit_card", Limit: cny(1000)})
	b.add(day(221), sesame.KindStatementIssued, &sesame.StatementIssued{Account: "c", Balance: cny(500), MinimumDue: cny(100), DueAt: day(235)})
	b.add(day(300), sesame.KindRepaymentMade, &sesame.RepaymentMade{Account: "c", Amount: cny(500)}) // 65 days late
	for _, c := range []struct {
		years      int
		retention  time.Duration
		wantCounts bool
	}{
		{2, 0, true},
		{4, 0, true},
		{6, 0, false},
		{6, 10 * 365 * 24 * time.Hour, true},
		{12, -1, true}, // never ages out
	} {
		now := day(300).AddDate(c.years, 0, 0)
		s := NewState()
		s.ApplyVisible(b.events, now)
		v := s.FeaturesInto(nil, now, nil, &Coverage{Retention: c.retention})
		want := 0.0
		if c.wantCounts {
			want = 1
		}
		for _, name := range []string{"defaults", "public_records_open", "episodes_30dpd", "episodes_60dpd"} {
			if got := value(v, name); got != want {
				t.Errorf("%d years on, retention %v: %s = %v, want %v", c.years, c.retention, name, got, want)
			}
		}
	}
}

func TestCheckWindowNamesWindowAndWatermark(t *testing.T) {
	wm := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cov := &Coverage{Watermarks: map[string]time.Time{"simulate": wm}}
	if err := cov.CheckWindow(wm.AddDate(-1, 0, 0), wm); err != nil {
		t.Fatalf("a window ending at the watermark is covered: %v", err)
	}
	err := cov.CheckWindow(wm.AddDate(0, -6, 0), wm.AddDate(0, 6, 0))
	if err == nil {
		t.Fatal("a window past the watermark was accepted")
	}
	for _, want := range []string{"2026-05-01 to 2027-05-01", `"simulate"`, "2026-11-01T00:00:00Z", "2025-11-01"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
	// A source whose data ended before the window (an old import) does not
	// cut it short.
	cov.Watermarks["uci-taiwan"] = time.Date(2005, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := cov.CheckWindow(wm.AddDate(-1, 0, 0), wm); err != nil {
		t.Fatalf("an old import's watermark refused a later window: %v", err)
	}
	// But a window that starts after every source's data ended holds no
	// observation: the demo's scores, as of the afternoon of the day its
	// data is complete up to, are refused a 12-month window.
	afternoon := wm.Add(14 * time.Hour)
	if err := cov.CheckWindow(afternoon, afternoon.AddDate(1, 0, 0)); err == nil || !strings.Contains(err.Error(), `"simulate"`) {
		t.Fatalf("a window after all the data was accepted: %v", err)
	}
}

// The snapshot keeps each fact's source: a state read back judges alike.
func TestSnapshotKeepsSources(t *testing.T) {
	events, wm := onTimePayer()
	for i := range events {
		if i%3 == 0 {
			events[i].Source = fmt.Sprint("s", i%2)
		}
	}
	cov := &Coverage{Watermarks: map[string]time.Time{"t": wm, "s0": wm.AddDate(0, -3, 0)}}
	now := wm.AddDate(0, 1, 0)
	s := NewState()
	s.ApplyVisible(events, now)
	b, err := s.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	r := NewState()
	if err := r.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	want, got := s.FeaturesInto(nil, now, nil, cov), r.FeaturesInto(nil, now, nil, cov)
	for i := range want {
		if !same(want[i], got[i]) {
			t.Errorf("%s: %v after a round trip, want %v", names[i], got[i], want[i])
		}
	}
}
