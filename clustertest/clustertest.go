// Package clustertest is the contract suite of the stores that make the
// servers on one database one deployment (sesame.ChangeFeed,
// sesame.RescoreQueue, sesame.PendingRescores), run against every engine.
package clustertest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ledgertest"
)

// Store is what the suite tests.
type Store interface {
	sesame.ChangeFeed
	sesame.RescoreQueue
	sesame.PendingRescores
}

// Opened is an empty database's stores.
type Opened struct {
	Cluster   Store
	Events    sesame.EventStore
	Models    sesame.ModelStore
	Partners  sesame.PartnerStore
	Decisions sesame.DecisionStore
	// Exclusive says claims of pending people exclude each other (engines
	// served by several processes); a single-process engine may hand the
	// same people to every claim until they are finished.
	Exclusive bool
}

// Run runs the suite; open returns a fresh database living until the test ends.
func Run(t *testing.T, open func(t *testing.T) Opened) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Opened)
	}{
		{"EpochsFollowChanges", testEpochs},
		{"Lease", testLease},
		{"ScheduleDueOncePerPeriod", testSchedule},
		{"RangesClaimedOnceAndRetaken", testRanges},
		{"PruneRunsKeepsNewestAndUnfinished", testPruneRuns},
		{"PendingAfterEvents", testPending},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

func appendEvents(t *testing.T, o Opened, tag string, people ...string) {
	t.Helper()
	var events []sesame.Event
	for i, p := range people {
		events = append(events, ledgertest.NewEvent("src", fmt.Sprintf("%s-%d", tag, i), p, sesame.KindPaymentMade, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), i))
	}
	if _, err := o.Events.Append(context.Background(), events); err != nil {
		t.Fatal(err)
	}
}

func testEpochs(t *testing.T, o Opened) {
	ctx := context.Background()
	epochs := func() map[string]int64 {
		t.Helper()
		e, err := o.Cluster.Epochs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	before := epochs()
	for _, topic := range []string{sesame.TopicModel, sesame.TopicPolicy, sesame.TopicPartner} {
		if _, ok := before[topic]; !ok {
			t.Fatalf("no epoch for %s: %v", topic, before)
		}
	}
	steps := []struct {
		topic  string
		change func() error
	}{
		{sesame.TopicModel, func() error {
			return o.Models.SaveModel(ctx, sesame.ModelInfo{Version: "m1", Kind: "gam", CreatedAt: time.Now()}, []byte(`{}`))
		}},
		{sesame.TopicModel, func() error { return o.Models.ActivateModel(ctx, "m1") }},
		{sesame.TopicPartner, func() error {
			return o.Partners.CreatePartner(ctx, &sesame.Partner{ID: "acme", Name: "Acme", CreatedAt: time.Now()})
		}},
		{sesame.TopicPolicy, func() error {
			p := &sesame.Product{ID: "card", Name: "Card", Purpose: "credit_card", Policy: "true", PolicyVersion: "v1"}
			if err := o.Decisions.SavePolicy(ctx, p); err != nil {
				return err
			}
			return o.Decisions.ActivateProduct(ctx, "card", "v1")
		}},
	}
	for _, s := range steps {
		prev := epochs()
		if err := s.change(); err != nil {
			t.Fatal(err)
		}
		now := epochs()
		for topic, e := range now {
			if topic == s.topic && e <= prev[topic] {
				t.Errorf("a %s change left its epoch at %d", s.topic, e)
			}
			if topic != s.topic && e != prev[topic] {
				t.Errorf("a %s change moved the %s epoch", s.topic, topic)
			}
		}
	}
}

func testLease(t *testing.T, o Opened) {
	ctx := context.Background()
	acquire := func(holder string, ttl time.Duration) bool {
		t.Helper()
		ok, err := o.Cluster.AcquireLease(ctx, "duty", holder, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !acquire("a", 200*time.Millisecond) {
		t.Fatal("a free lease was refused")
	}
	if acquire("b", time.Second) {
		t.Fatal("b took a live lease of a")
	}
	if !acquire("a", 200*time.Millisecond) {
		t.Fatal("a could not renew its lease")
	}
	time.Sleep(300 * time.Millisecond)
	if !acquire("b", time.Minute) {
		t.Fatal("b could not take an expired lease")
	}
	if acquire("a", time.Minute) {
		t.Fatal("a took b's live lease back")
	}
}

func testSchedule(t *testing.T, o Opened) {
	ctx := context.Background()
	now := time.Now()
	due := func(at time.Time) bool {
		t.Helper()
		d, err := o.Cluster.RescoreDue(ctx, "full", time.Hour, at)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if due(now) {
		t.Error("a new schedule is due at once")
	}
	if due(now.Add(59 * time.Minute)) {
		t.Error("due before its period")
	}
	if !due(now.Add(61 * time.Minute)) {
		t.Error("not due after its period")
	}
	if due(now.Add(62 * time.Minute)) {
		t.Error("due twice in one period")
	}
	if !due(now.Add(122 * time.Minute)) {
		t.Error("not due in the next period")
	}
	// The period shortened to a minute: due a minute on, not an hour.
	short := func(at time.Time) bool {
		t.Helper()
		d, err := o.Cluster.RescoreDue(ctx, "full", time.Minute, at)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if short(now.Add(123 * time.Minute)) {
		t.Error("due at once after the period was shortened")
	}
	if !short(now.Add(124*time.Minute + time.Second)) {
		t.Error("not due one shortened period on")
	}
}

func testRanges(t *testing.T, o Opened) {
	ctx := context.Background()
	var people []string
	for i := 1; i <= 10; i++ {
		people = append(people, fmt.Sprintf("p%02d", i))
	}
	appendEvents(t, o, "r", people...)
	appendEvents(t, o, "r2", "p05") // a second event: still one person
	bounds, err := o.Cluster.PersonBounds(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bounds, []string{"p03", "p06", "p09"}) {
		t.Fatalf("bounds = %v, want [p03 p06 p09]", bounds)
	}
	id, err := o.Cluster.StartRun(ctx, sesame.RescoreRun{Reason: "test", ModelVersion: "m1", LedgerEnd: 7, CreatedAt: time.Now()}, bounds)
	if err != nil {
		t.Fatal(err)
	}
	claim := func(holder string, ttl time.Duration) (sesame.RescoreRange, bool) {
		t.Helper()
		r, ok, err := o.Cluster.ClaimRange(ctx, holder, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return r, ok
	}
	a, _ := claim("a", time.Minute)
	b, _ := claim("b", 100*time.Millisecond)
	if a.Run != id || a.N == b.N || a.ModelVersion != "m1" || a.LedgerEnd != 7 {
		t.Fatalf("claims: %+v and %+v", a, b)
	}
	if a.After != "" || a.Through != "p03" || b.After != "p03" || b.Through != "p06" {
		t.Errorf("ranges: (%q, %q] and (%q, %q]", a.After, a.Through, b.After, b.Through)
	}
	if err := o.Cluster.RenewRange(ctx, a, "a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Cluster.FinishRange(ctx, a, "b", sesame.RangeResult{People: 3}); sesame.ErrorCode(err) != sesame.ECONFLICT {
		t.Errorf("finishing another's range: %v, want conflict", err)
	}
	if done, err := o.Cluster.FinishRange(ctx, a, "a", sesame.RangeResult{People: 3, Scored: 2, Insufficient: 1, Drift: []byte(`{"rows":2}`)}); err != nil || done {
		t.Fatalf("finish: %v %v", done, err)
	}
	// b dies: its claim expires and c takes its range, then the others.
	time.Sleep(200 * time.Millisecond)
	var got []int
	for {
		r, ok := claim("c", time.Minute)
		if !ok {
			break
		}
		got = append(got, r.N)
		if done, err := o.Cluster.FinishRange(ctx, r, "c", sesame.RangeResult{People: 2, Scored: 2, Drift: []byte(fmt.Sprintf(`{"rows":%d}`, r.N))}); err != nil || done != (len(got) == 3) {
			t.Fatalf("finish %d: done %v, %v", r.N, done, err)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("c claimed ranges %v, want b's expired one and the two left", got)
	}
	if err := o.Cluster.RenewRange(ctx, b, "b", time.Minute); sesame.ErrorCode(err) != sesame.ECONFLICT {
		t.Errorf("renewing a lost claim: %v, want conflict", err)
	}
	runs, err := o.Cluster.RescoreRuns(ctx, 5)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %+v %v", runs, err)
	}
	if r := runs[0]; r.Ranges != 4 || r.RangesDone != 4 || r.People != 9 || r.Scored != 8 || r.Insufficient != 1 || r.FinishedAt.IsZero() || r.Reason != "test" || r.Drift != nil {
		t.Errorf("run: %+v", r)
	}
	drifts, err := o.Cluster.RangeDrifts(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var ds []string
	for _, d := range drifts {
		ds = append(ds, string(d))
	}
	if !slices.Equal(ds, []string{`{"rows":2}`, `{"rows":1}`, `{"rows":2}`, `{"rows":3}`}) {
		t.Errorf("range drifts = %q, want each range's in range order", ds)
	}
	if err := o.Cluster.SaveRunDrift(ctx, id, []byte(`{"rows":8}`)); err != nil {
		t.Fatal(err)
	}
	if runs, err := o.Cluster.RescoreRuns(ctx, 1); err != nil || len(runs) != 1 || string(runs[0].Drift) != `{"rows":8}` {
		t.Errorf("run after its drift was saved: %+v %v", runs, err)
	}
}

// testPruneRuns: pruning keeps the newest runs and every unfinished one,
// and deletes the older finished runs with their ranges.
func testPruneRuns(t *testing.T, o Opened) {
	ctx := context.Background()
	appendEvents(t, o, "r", "p1", "p2")
	var ids []int64
	for i := range 5 {
		id, err := o.Cluster.StartRun(ctx, sesame.RescoreRun{Reason: "test", ModelVersion: "m1", CreatedAt: time.Now()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		r, ok, err := o.Cluster.ClaimRange(ctx, "a", time.Hour)
		if err != nil || !ok || r.Run != id {
			t.Fatalf("claim run %d: %+v %v %v", id, r, ok, err)
		}
		if i == 1 {
			continue // run 1 stays unfinished, its range held
		}
		if _, err := o.Cluster.FinishRange(ctx, r, "a", sesame.RangeResult{People: 2, Drift: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := o.Cluster.PruneRuns(ctx, 2)
	if err != nil || n != 2 {
		t.Fatalf("prune: %d runs, %v; want the 2 finished ones older than the newest 2", n, err)
	}
	runs, err := o.Cluster.RescoreRuns(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, r := range runs {
		got = append(got, r.ID)
	}
	if want := []int64{ids[4], ids[3], ids[1]}; !slices.Equal(got, want) {
		t.Errorf("runs after pruning = %v, want %v (the newest two and the unfinished one)", got, want)
	}
	if d, err := o.Cluster.RangeDrifts(ctx, ids[0]); err != nil || len(d) != 0 {
		t.Errorf("a pruned run's ranges: %q %v", d, err)
	}
	if n, err := o.Cluster.PruneRuns(ctx, 2); err != nil || n != 0 {
		t.Errorf("second prune: %d, %v; want nothing left to delete", n, err)
	}
}

func testPending(t *testing.T, o Opened) {
	ctx := context.Background()
	claim := func(holder string) sesame.PendingClaim {
		t.Helper()
		c, err := o.Cluster.ClaimPending(ctx, holder, 100, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(c.People)
		return c
	}
	appendEvents(t, o, "before", "p0") // before any server: a full rescore's
	if _, err := o.Cluster.ClaimPending(ctx, "a", 0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if c := claim("a"); len(c.People) != 0 {
		t.Errorf("pending before the first server: %v", c.People)
	}
	appendEvents(t, o, "e1", "p1", "p2", "p1")
	c := claim("a")
	if !slices.Equal(c.People, []string{"p1", "p2"}) {
		t.Fatalf("pending = %v, want [p1 p2]", c.People)
	}
	if lag := time.Since(c.Oldest); c.Oldest.IsZero() || lag < 0 || lag > time.Minute {
		t.Errorf("oldest pending since %v: not the events' time", c.Oldest)
	}
	if o.Exclusive {
		if other := claim("b"); len(other.People) != 0 {
			t.Errorf("b claimed %v held by a", other.People)
		}
	}
	// p2 gets an event while a scores: it stays pending after a's finish.
	appendEvents(t, o, "e2", "p2")
	if err := o.Cluster.FinishPending(ctx, c); err != nil {
		t.Fatal(err)
	}
	c = claim("b")
	if !slices.Equal(c.People, []string{"p2"}) {
		t.Fatalf("pending after a's finish = %v, want [p2]", c.People)
	}
	// b dies holding p2: after its claim expires, c gets p2.
	time.Sleep(200 * time.Millisecond)
	c = claim("c")
	if !slices.Equal(c.People, []string{"p2"}) {
		t.Fatalf("pending after b's claim expired = %v, want [p2]", c.People)
	}
	if err := o.Cluster.FinishPending(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c := claim("c"); len(c.People) != 0 {
		t.Errorf("still pending: %v", c.People)
	}
}
