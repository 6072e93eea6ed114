package score

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/simulate"
)

// staleReasons are the reasons a person is wrongly told when data that
// stopped is read as silence: no recent activity, little repaid last
// month, payments overdue now.
var staleReasons = map[string]bool{"days_since_last_activity": true, "repaid_last_month": true, "payment_status_now": true}

// staleCodes are the reason codes (docs/reasons.md) of those sentences,
// with every other feature of theirs: past due now or in the last 3 months
// (R02), amounts repaid (R13), share of statements repaid (R14), recent
// activity (R28). Stopped data read as silence shows mostly through their
// other features ("a payment was 25 days past due in the last 3 months").
var staleCodes = map[string]bool{"R02": true, "R13": true, "R14": true, "R28": true}

// toldStale is the share of people (in %) with one of staleReasons among
// their score's reasons, and with a reason of one of staleCodes.
func toldStale(t *testing.T, e *Engine, prof *feature.Profiler, people [][]sesame.Event, asOf time.Time) (byFeature, byCode float64) {
	n, nc := 0, 0
	for i, events := range people {
		v, missing, dataAsOf := prof.Profile(events, asOf)
		sc := e.ScoreProfile(fmt.Sprint("p", i), Profile{Values: v, Missing: missing, DataAsOf: dataAsOf}, asOf)
		if sc.Status != sesame.StatusScored {
			t.Fatalf("person %d not scored (%s): a share of the scored would not be a share of the people", i, sc.Status)
		}
		hit, hitCode := false, false
		for _, r := range sc.Reasons {
			hit = hit || staleReasons[r.Feature]
			hitCode = hitCode || staleCodes[r.Code]
		}
		if hit {
			n++
		}
		if hitCode {
			nc++
		}
	}
	return 100 * float64(n) / float64(len(people)), 100 * float64(nc) / float64(len(people))
}

// TestStaleDataIsNotDelinquency is issue 17's measurement: with the same
// simulator and model, 500 people whose data ended 36 days ago and 500
// whose data ends today are told "no recent activity", "little repaid last
// month" or "overdue now" in shares at most 8 points apart, once each
// source's facts are judged as of its watermark. Run with -v for the
// figures.
func TestStaleDataIsNotDelinquency(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the simulated fixture model")
	}
	e, _, _ := simulatedFixture(t)
	const people = 500
	now := simulate.DefaultEnd.AddDate(0, 0, 36)
	population := func(end time.Time) [][]sesame.Event {
		g := simulate.New(simulate.Options{Seed: fixtureSeed, End: end})
		out := make([][]sesame.Event, people)
		for i := range out {
			out[i] = append([]sesame.Event(nil), g.Person(2_000_000+i)...) // Person reuses its slice
		}
		return out
	}
	ended, current := population(simulate.DefaultEnd), population(now)
	profiler := func(cov *feature.Coverage) (*Engine, *feature.Profiler) {
		p := NewFeatureProfiler(DefaultMinHistory)
		p.P.SetCoverage(cov)
		return NewEngine(e.Model(), "fixture", p), p.P
	}
	plainE, plain := profiler(nil)
	markedE, marked := profiler(&feature.Coverage{Watermarks: map[string]time.Time{"simulate": simulate.DefaultEnd}})
	currentE, currentP := profiler(&feature.Coverage{Watermarks: map[string]time.Time{"simulate": now}})

	unmarked, unmarkedC := toldStale(t, plainE, plain, ended, now)
	withMark, withMarkC := toldStale(t, markedE, marked, ended, now)
	today, todayC := toldStale(t, currentE, currentP, current, now)
	t.Logf("scored on %s; told no recent activity / little repaid last month / overdue now (by those features; by codes R02, R13, R14, R28):", now.Format(time.DateOnly))
	t.Logf("  data ending %s, no watermark:      %5.1f%%  %5.1f%%", simulate.DefaultEnd.Format(time.DateOnly), unmarked, unmarkedC)
	t.Logf("  data ending %s, watermark set:     %5.1f%%  %5.1f%%", simulate.DefaultEnd.Format(time.DateOnly), withMark, withMarkC)
	t.Logf("  data ending %s (today), watermark: %5.1f%%  %5.1f%%", now.Format(time.DateOnly), today, todayC)
	if d := withMark - today; d > 8 || d < -8 {
		t.Errorf("data ending 36 days ago is told stale reasons %.1f%% against %.1f%% for data ending today: %.1f points apart, want ≤ 8", withMark, today, d)
	}
	if d := withMarkC - todayC; d > 8 || d < -8 {
		t.Errorf("data ending 36 days ago is told reasons of codes R02/R13/R14/R28 %.1f%% against %.1f%% for data ending today: %.1f points apart, want ≤ 8", withMarkC, todayC, d)
	}
}

// An aged-out negative record no longer changes the score: a public record
// listed six years ago and never cleared scores as one cleared then, under
// the default five-year retention. Under a ten-year one it is still open in
// the person's features and never earns points (the model may weigh it
// lightly: in the simulated fixture few people have one).
func TestAgedOutRecordNoLongerCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the simulated fixture model")
	}
	e, _, asOf := simulatedFixture(t)
	g := simulate.New(simulate.Options{Seed: fixtureSeed})
	person := func(cleared bool) []sesame.Event {
		events := append([]sesame.Event(nil), g.Person(3_000_000)...)
		mk := func(id string, at time.Time, k sesame.Kind, p sesame.Payload) sesame.Event {
			return sesame.Event{Version: sesame.EnvelopeVersion, Source: "court", ID: id, Person: events[0].Person, Kind: k, OccurredAt: at, Payload: p}
		}
		listed := asOf.AddDate(-6, 0, 0)
		events = append(events, mk("r1", listed, sesame.KindPublicRecordListed, &sesame.PublicRecordListed{Record: "j1", Type: "judgment"}))
		if cleared {
			events = append(events, mk("r2", listed.Add(time.Hour), sesame.KindPublicRecordCleared, &sesame.PublicRecordCleared{Record: "j1"}))
		}
		return events
	}
	open, cleared := person(false), person(true)
	// scoreWith returns the score and the public_records_open feature.
	scoreWith := func(retention time.Duration, events []sesame.Event) (int, float64) {
		p := NewFeatureProfiler(DefaultMinHistory)
		p.P.SetCoverage(&feature.Coverage{Retention: retention})
		sc := NewEngine(e.Model(), "fixture", p).Score("p", events, asOf)
		if sc.Status != sesame.StatusScored {
			t.Fatalf("not scored: %v", sc.Missing)
		}
		i := slices.Index(p.Names(), "public_records_open")
		if i < 0 {
			t.Fatal("no public_records_open feature")
		}
		return sc.Score, p.Profile(events, asOf).Values[i]
	}
	o, oOpen := scoreWith(0, open)
	c, cOpen := scoreWith(0, cleared)
	if o != c || oOpen != 0 || cOpen != 0 {
		t.Errorf("a public record six years old still counts: score %d (%g open) against %d (%g open) cleared", o, oOpen, c, cOpen)
	}
	tenYears := 10 * 365 * 24 * time.Hour
	o, oOpen = scoreWith(tenYears, open)
	c, cOpen = scoreWith(tenYears, cleared)
	if oOpen != 1 || cOpen != 0 {
		t.Errorf("kept for ten years, the record should be open in the features: %g, against %g cleared", oOpen, cOpen)
	}
	if o > c {
		t.Errorf("kept for ten years, the open record earned points: %d against %d cleared", o, c)
	}
	t.Logf("ten-year retention: %d with the record open, %d cleared", o, c)
}
