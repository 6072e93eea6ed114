package feature

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/simulate"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

func cny(yuan int64) sesame.Money { return sesame.Money{Amount: yuan * 100, Currency: "CNY"} }

type builder struct{ events []sesame.Event }

func (b *builder) add(at time.Time, k sesame.Kind, p sesame.Payload) *sesame.Event {
	b.events = append(b.events, sesame.Event{Version: 1, Source: "t", ID: string(rune('a'+len(b.events))) + "x", Person: "p1", Kind: k, OccurredAt: at, Payload: p})
	return &b.events[len(b.events)-1]
}

func value(v Vector, name string) float64 { return v[Index(name)] }

func same(a, b float64) bool { return a == b || (a != a && b != b) }

func TestDaysPastDueFromStatementsAndRepayments(t *testing.T) {
	var b builder
	b.add(day(0), sesame.KindCreditLineOpened, &sesame.CreditLineOpened{Account: "c", Type: "credit_card", Limit: cny(1000)})
	// Due on day 15 with a 100 minimum; 50 paid on day 20, 60 on day 50:
	// covered on day 50, so 35 days past due.
	b.add(day(1), sesame.KindStatementIssued, &sesame.StatementIssued{Account: "c", Balance: cny(500), MinimumDue: cny(100), DueAt: day(15)})
	b.add(day(20), sesame.KindRepaymentMade, &sesame.RepaymentMade{Account: "c", Amount: cny(50)})
	b.add(day(50), sesame.KindRepaymentMade, &sesame.RepaymentMade{Account: "c", Amount: cny(60)})
	v := Compute(b.events, day(60))
	for name, want := range map[string]float64{"worst_dpd_3m": 35, "episodes_30dpd": 1, "episodes_60dpd": 0, "on_time_repayment_ratio": 0,
		"payment_status_now": 0, "utilisation_now": 0.5, "credit_limit_total": 1000} {
		if got := value(v, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// As of day 40 the minimum is still uncovered: 25 days past due, one payment missed.
	v = Compute(b.events, day(40))
	if got := value(v, "worst_dpd_3m"); got != 25 {
		t.Errorf("worst_dpd_3m as of day 40 = %v, want 25", got)
	}
	if got := value(v, "payment_status_now"); got != 1 {
		t.Errorf("payment_status_now as of day 40 = %v, want 1", got)
	}
	// A statement never covered keeps growing until the as-of date.
	v = Compute(b.events[:2], day(120))
	if got := value(v, "worst_dpd_3m"); got != 105 {
		t.Errorf("uncovered statement: worst_dpd_3m = %v, want 105", got)
	}
}

func TestNoCreditLineIsMissingNotZero(t *testing.T) {
	var b builder
	yes := true
	b.add(day(0), sesame.KindIdentityReported, &sesame.IdentityReported{BirthYear: 1990, IdentityVerified: &yes})
	v := Compute(b.events, day(30))
	for _, name := range []string{"months_since_first_credit_line", "utilisation_now", "worst_dpd_12m", "on_time_repayment_ratio", "payment_status_now", "vouches_received", "vouchers_good_standing_share"} {
		if !math.IsNaN(value(v, name)) {
			t.Errorf("%s = %v for a person without credit lines or vouches; want missing", name, value(v, name))
		}
	}
	if value(v, "identity_verified") != 1 || value(v, "age_years") != 36 {
		t.Errorf("identity features wrong: %v", v.Map())
	}
	if v := Compute(nil, day(30)); !math.IsNaN(v[0]) {
		t.Error("no events: want every feature missing")
	}
}

func TestProtectedAttributesAreNeverFeatures(t *testing.T) {
	for _, d := range Catalogue() {
		for _, w := range []string{"sex", "gender", "protected", "marital", "race", "religion"} {
			if strings.Contains(d.Name, w) {
				t.Errorf("feature %s looks like a protected attribute", d.Name)
			}
		}
	}
	mk := func(sex string) Vector {
		var b builder
		b.add(day(0), sesame.KindIdentityReported, &sesame.IdentityReported{BirthYear: 1980, Education: "master", Protected: map[string]string{"sex": sex}})
		return Compute(b.events, day(10))
	}
	a, c := mk("female"), mk("male")
	for i := range a {
		if !same(a[i], c[i]) {
			t.Errorf("%s depends on a protected attribute", names[i])
		}
	}
}

func TestCatalogueIsComplete(t *testing.T) {
	seen := map[string]bool{}
	dims := map[sesame.Dimension]int{}
	for i, d := range Catalogue() {
		if d.Name == "" || seen[d.Name] || !d.Dimension.Valid() || d.Description == "" || d.Reason == "" || d.Unit == "" {
			t.Errorf("feature %d (%q) is incomplete or duplicated", i, d.Name)
		}
		if d.Actionable && d.Tip == "" {
			t.Errorf("feature %s is actionable without a tip", d.Name)
		}
		seen[d.Name] = true
		dims[d.Dimension]++
	}
	for _, d := range sesame.Dimensions {
		if dims[d] == 0 {
			t.Errorf("dimension %s has no feature", d)
		}
	}
	if len(Dimensions()) != Len() {
		t.Error("Dimensions() does not cover the catalogue")
	}
}

func population(n int, seed uint64) [][]sesame.Event {
	g := simulate.New(simulate.Options{Seed: seed})
	out := make([][]sesame.Event, n)
	for i := range out {
		out[i] = append([]sesame.Event(nil), g.Person(i)...)
	}
	return out
}

// TestPointInTime: an event dated after the as-of time changes no feature;
// an event that occurred before it but was recorded after it is excluded.
func TestPointInTime(t *testing.T) {
	asOf := simulate.DefaultEnd.AddDate(0, -6, 0)
	people := population(500, 3)
	r := rand.New(rand.NewPCG(1, 2))
	changedByKnown := 0
	for i, events := range people {
		base := Compute(events, asOf)
		// Take one of the person's events and move it around the as-of time.
		e := events[r.IntN(len(events))]
		e.ID = "moved"
		after := e
		after.OccurredAt = asOf.Add(time.Duration(r.IntN(1000)) * time.Hour)
		lateRecorded := e
		lateRecorded.OccurredAt = asOf.Add(-time.Duration(1+r.IntN(1000)) * time.Hour)
		lateRecorded.RecordedAt = asOf.Add(time.Duration(r.IntN(100)) * time.Minute)
		for _, extra := range []sesame.Event{after, lateRecorded} {
			v := Compute(append(append([]sesame.Event(nil), events...), extra), asOf)
			for j := range v {
				if !same(v[j], base[j]) {
					t.Fatalf("person %d: %s changed (%v → %v) by an event not visible at the as-of time (occurred %s, recorded %s)",
						i, names[j], base[j], v[j], extra.OccurredAt, extra.RecordedAt)
				}
			}
		}
		// The control: the same event recorded in time does count, at least sometimes.
		known := lateRecorded
		known.RecordedAt = asOf.Add(-time.Second)
		if known.OccurredAt.Before(known.RecordedAt) {
			v := Compute(append(append([]sesame.Event(nil), events...), known), asOf)
			for j := range v {
				if !same(v[j], base[j]) {
					changedByKnown++
					break
				}
			}
		}
	}
	if changedByKnown == 0 {
		t.Error("visible extra events never changed a feature: the test proves nothing")
	}
}

// TestIncrementalEqualsFromScratch folds 10,000 simulated people event by
// event, reading the features at month ends along the way, and compares
// each reading with a from-scratch computation as of the same time.
func TestIncrementalEqualsFromScratch(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	g := simulate.New(simulate.Options{Seed: 11})
	inc := NewState()
	scratch := NewState()
	var a, b []float64
	checks := 0
	for i := 0; i < n; i++ {
		events := g.Person(i)
		inc.Reset()
		next := 0
		for k := 6; k >= 0; k-- {
			asOf := simulate.DefaultEnd.AddDate(0, -k, 0)
			for next < len(events) && events[next].OccurredAt.Before(asOf) {
				inc.Apply(&events[next]) // one new event: the online path
				next++
			}
			a = inc.FeaturesInto(a, asOf, nil, nil)
			scratch.Reset()
			scratch.ApplyVisible(events, asOf)
			b = scratch.FeaturesInto(b, asOf, nil, nil)
			for j := range a {
				if !same(a[j], b[j]) {
					t.Fatalf("person %d as of %s: %s incremental %v, from scratch %v", i, asOf.Format("2006-01-02"), names[j], a[j], b[j])
				}
			}
			checks++
		}
	}
	t.Logf("%d people, %d as-of readings: incremental equals from scratch", n, checks)
}

// TestOrderIndependent: a late-arriving event (out of time order) gives the
// same state as the rebuild in time order.
func TestOrderIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i, events := range population(1000, 17) {
		asOf := simulate.DefaultEnd
		want := Compute(events, asOf)
		shuffled := append([]sesame.Event(nil), events...)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got := Compute(shuffled, asOf)
		for j := range got {
			if !same(got[j], want[j]) {
				t.Fatalf("person %d: %s is %v in shuffled order, %v in time order", i, names[j], got[j], want[j])
			}
		}
	}
}

func TestLabels(t *testing.T) {
	var b builder
	b.add(day(0), sesame.KindCreditLineOpened, &sesame.CreditLineOpened{Account: "c", Type: "credit_card", Limit: cny(1000)})
	b.add(day(1), sesame.KindStatementIssued, &sesame.StatementIssued{Account: "c", Balance: cny(500), MinimumDue: cny(100), DueAt: day(15)})
	s := NewState()
	// Never paid: 90 days past due on day 105.
	if bad, already := (Outcome{DPD90: true}).Label(s, b.events, day(30), day(200)); !bad || already {
		t.Errorf("dpd90 in window: bad=%v already=%v", bad, already)
	}
	if bad, already := (Outcome{DPD90: true}).Label(s, b.events, day(120), day(200)); bad || !already {
		t.Errorf("dpd90 before as-of: bad=%v already=%v", bad, already)
	}
	if bad, _ := (Outcome{DPD90: true}).Label(s, b.events, day(30), day(100)); bad {
		t.Error("window ends before 90 days past due: not bad")
	}
	if bad, _ := (Outcome{DPD60: true}).Label(s, b.events, day(30), day(100)); !bad {
		t.Error("dpd60 reached on day 75: bad")
	}
	b.add(day(40), sesame.KindRepaymentMade, &sesame.RepaymentMade{Account: "c", Amount: cny(100)})
	if bad, already := (Outcome{DPD90: true}).Label(s, b.events, day(30), day(200)); bad || already {
		t.Error("covered on day 40: never 90 days past due")
	}
	b.add(day(50), sesame.KindOrderUnpaid, &sesame.OrderUnpaid{Order: "o", Amount: cny(10)})
	if bad, _ := AllOutcomes.Label(s, b.events, day(30), day(200)); !bad {
		t.Error("unpaid order in the window: bad")
	}
	if bad, _ := (Outcome{Default: true}).Label(s, b.events, day(30), day(200)); bad {
		t.Error("an unpaid order is not a default")
	}
	if _, err := ParseOutcome("dpd90,bogus"); err == nil {
		t.Error("unknown outcome accepted")
	}
	if end, err := ParseHorizon("12m", day(0)); err != nil || !end.Equal(day(0).AddDate(1, 0, 0)) {
		t.Errorf("12m: %v %v", end, err)
	}
}

func TestTipsOnlyForActionableFeatures(t *testing.T) {
	if tips := Tips("utilisation_now", 0.8); len(tips) != 3 || tips[0].Value != 0.1 {
		t.Errorf("utilisation tips: %+v", tips)
	}
	if tips := Tips("age_years", 30); tips != nil {
		t.Error("age is not actionable")
	}
	if tips := Tips("identity_verified", 1); tips != nil {
		t.Error("already verified: no tip")
	}
	if tips := Tips("no_such_feature", 1); tips != nil {
		t.Error("unknown feature: no tip")
	}
}

func BenchmarkStateApplyAndFeatures(b *testing.B) {
	people := population(1000, 9)
	s := NewState()
	var v []float64
	asOf := simulate.DefaultEnd
	events := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := people[i%len(people)]
		s.Reset()
		for j := range p {
			s.Apply(&p[j])
		}
		v = s.FeaturesInto(v, asOf, nil, nil)
		events += len(p)
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/person")
}

func TestSubScoreScale(t *testing.T) {
	for _, c := range []struct {
		points, worst, best float64
		want                int
	}{{-40, -40, 20, 350}, {20, -40, 20, 950}, {-10, -40, 20, 650}, {5, 5, 5, 650}, {99, -40, 20, 950}} {
		if got := SubScore(c.points, c.worst, c.best); got != c.want {
			t.Errorf("SubScore(%v, %v, %v) = %d, want %d", c.points, c.worst, c.best, got, c.want)
		}
	}
}

// TestCreditApplications6m: applications in the six calendar months before
// the as-of time count once each — a lender's second report of one
// application is no second inquiry, whichever arrives first — older ones
// and future ones do not, none on record is 0, and the typed and JSON folds
// agree.
func TestCreditApplications6m(t *testing.T) {
	var b builder
	b.add(day(0), sesame.KindIncomeReported, &sesame.IncomeReported{Monthly: cny(5000)})
	asOf := day(400)
	if got := value(Compute(b.events, asOf), "credit_applications_6m"); got != 0 {
		t.Fatalf("no applications on record: %v, want 0", got)
	}
	b.add(asOf.AddDate(0, -7, 0), sesame.KindCreditApplied, &sesame.CreditApplied{Application: "old", Product: "loan"})
	b.add(asOf.AddDate(0, -5, 0), sesame.KindCreditApplied, &sesame.CreditApplied{Application: "a1", Product: "credit_card"})
	b.add(asOf.AddDate(0, -1, 0), sesame.KindCreditApplied, &sesame.CreditApplied{Application: "a2", Product: "pay_later"})
	b.add(asOf.AddDate(0, 0, -2), sesame.KindCreditApplied, &sesame.CreditApplied{Application: "a1", Product: "credit_card"}) // reported again
	b.add(asOf.AddDate(0, 0, 3), sesame.KindCreditApplied, &sesame.CreditApplied{Application: "later", Product: "loan"})
	want := 2.0
	if got := value(Compute(b.events, asOf), "credit_applications_6m"); got != want {
		t.Errorf("credit_applications_6m = %v, want %v", got, want)
	}
	// Order-independent: the re-report folded first still dates a1 five months back.
	rev := make([]sesame.Event, len(b.events))
	for i, e := range b.events {
		rev[len(rev)-1-i] = e
	}
	typed, raw := NewState(), NewState()
	for i := range rev {
		if !Visible(&rev[i], asOf) {
			continue
		}
		typed.Apply(&rev[i])
		payload, _ := json.Marshal(rev[i].Payload)
		if err := raw.ApplyJSON([]byte(rev[i].Source), []byte(rev[i].Kind), rev[i].OccurredAt.UnixNano(), payload); err != nil {
			t.Fatal(err)
		}
	}
	if got := value(typed.Features(asOf), "credit_applications_6m"); got != want {
		t.Errorf("folded in reverse: %v, want %v", got, want)
	}
	if got := value(raw.Features(asOf), "credit_applications_6m"); got != want {
		t.Errorf("folded from JSON: %v, want %v", got, want)
	}
	// Four months on, a1 has aged out and a2 (five months old) still counts.
	if got := value(typed.Features(asOf.AddDate(0, 4, 0)), "credit_applications_6m"); got != 1 {
		t.Errorf("four months later: %v, want 1 (a2 only)", got)
	}
	d, _ := Lookup("credit_applications_6m")
	if d.Direction != HigherIsWorse || Monotone()["credit_applications_6m"] != -1 || d.Dimension != sesame.CreditHistory {
		t.Errorf("credit_applications_6m declares %+v: more must never earn points", d)
	}
}
