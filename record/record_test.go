package record_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/record/recordfixture"
	"github.com/sesame-credit/sesame/score"
	"github.com/sesame-credit/sesame/simulate"
)

func scoreJSON(t *testing.T, s *sesame.Score) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSelfAddedNeverLowersAndRemovalRestores adds bill accounts paid on
// time and paid late, and verified facts, to many people: no addition
// ever lowers a score (while some would have, scored naively), the score
// names what was added, a full rescore keeps the rule, and removing every
// addition gives back exactly the score from before, byte for byte.
func TestSelfAddedNeverLowersAndRemovalRestores(t *testing.T) {
	ctx := context.Background()
	const people = 40
	f := recordfixture.New(t, people)
	requests := []sesame.AdditionRequest{
		{Source: "sim-utility", Kind: sesame.AdditionBillAccount, Account: "electricity-4411"},
		{Source: "sim-late", Kind: sesame.AdditionBillAccount, Account: "phone-0187"},
		{Source: "sim-utility", Kind: sesame.AdditionVerifiedFact, Fact: "identity"},
	}
	raised, wouldLower, scored := 0, 0, 0
	for i := range people {
		p := simulate.PersonID(i)
		orig, err := f.Scores.LatestScore(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if orig.Status == sesame.StatusScored {
			scored++
		}
		var ids []string
		prev := orig
		for _, req := range requests {
			ch, err := f.Record.Add(ctx, p, req)
			if err != nil {
				t.Fatalf("%s: add %+v: %v", p, req, err)
			}
			ids = append(ids, ch.Addition.ID)
			if ch.After.Status != prev.Status || ch.After.Score < prev.Score {
				t.Fatalf("%s: adding %s lowered the score: %d %s → %d %s", p, ch.Addition.Label, prev.Score, prev.Status, ch.After.Score, ch.After.Status)
			}
			if ch.After.Score < orig.Score {
				t.Fatalf("%s: below the score without additions", p)
			}
			if ch.Addition.Gain != ch.After.Score-prev.Score {
				t.Fatalf("%s: gain %d recorded, score moved %d (before %d after %d prev %d)", p, ch.Addition.Gain, ch.After.Score-prev.Score, ch.Before.Score, ch.After.Score, prev.Score)
			}
			if ch.After.Score > orig.Score && (ch.After.SelfAddedPoints != ch.After.Score-orig.Score || len(ch.After.SelfAdded) == 0) {
				t.Fatalf("%s: a raised score must name what was added: %+v points %d", p, ch.After.SelfAdded, ch.After.SelfAddedPoints)
			}
			if ch.Addition.Gain > 0 {
				raised++
			}
			prev = ch.After
			// What the late-paid bills alone would have done, scored naively.
			if req.Source == "sim-late" && orig.Status == sesame.StatusScored {
				e, _ := f.Scores.Engine(ctx)
				events, _ := f.Scores.PersonEvents(ctx, p, f.Clock)
				adds, _ := f.DB.Record().KeptAdditions(ctx, []string{p})
				var late []sesame.Event
				for _, a := range adds[p] {
					if a.ID == ch.Addition.ID {
						late = a.Events
					}
				}
				naive := e.Score(p, append(events, late...), f.Clock)
				if naive.Score < orig.Score {
					wouldLower++
				}
			}
		}
		// Adding one more and removing it gives back the score of just before.
		snap, _ := f.Scores.LatestScore(ctx, p)
		ch, err := f.Record.Add(ctx, p, sesame.AdditionRequest{Source: "sim-utility", Kind: sesame.AdditionBillAccount, Account: "water-77"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Record.Remove(ctx, p, ch.Addition.ID); err != nil {
			t.Fatal(err)
		}
		if back, _ := f.Scores.LatestScore(ctx, p); scoreJSON(t, back) != scoreJSON(t, snap) {
			t.Fatalf("%s: add then remove:\n got %s\nwant %s", p, scoreJSON(t, back), scoreJSON(t, snap))
		}
		// A full rescore applies the same rule.
		if i == people-1 {
			before, _ := f.Scores.LatestScore(ctx, p)
			if _, err := f.Scores.RescoreAll(ctx, score.RescoreOptions{Fresh: true}); err != nil {
				t.Fatal(err)
			}
			after, _ := f.Scores.LatestScore(ctx, p)
			if scoreJSON(t, before) != scoreJSON(t, after) {
				t.Fatalf("%s: a full rescore changed the score with additions:\n%s\n%s", p, scoreJSON(t, before), scoreJSON(t, after))
			}
		}
		for _, id := range ids {
			ch, err := f.Record.Remove(ctx, p, id)
			if err != nil {
				t.Fatal(err)
			}
			if ch.After.Score < orig.Score {
				t.Fatalf("%s: removing an addition went below the score without any", p)
			}
		}
		back, err := f.Scores.LatestScore(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if scoreJSON(t, back) != scoreJSON(t, orig) {
			t.Fatalf("%s: after removing every addition:\n got %s\nwant %s", p, scoreJSON(t, back), scoreJSON(t, orig))
		}
	}
	if raised == 0 || wouldLower == 0 || scored < people/2 {
		t.Fatalf("the test proves little: %d additions raised a score, %d would have lowered one, %d of %d people scored", raised, wouldLower, scored, people)
	}
	t.Logf("%d additions raised a score; %d late-paid accounts would have lowered one and did not", raised, wouldLower)
}

func TestAddRefusesBadRequestsByField(t *testing.T) {
	ctx := context.Background()
	f := recordfixture.New(t, 2)
	p := simulate.PersonID(0)
	cases := []struct {
		req   sesame.AdditionRequest
		field string
	}{
		{sesame.AdditionRequest{Source: "sim-utility", Kind: "car"}, "kind"},
		{sesame.AdditionRequest{Source: "nobody", Kind: sesame.AdditionBillAccount, Account: "electricity-1"}, "source"},
		{sesame.AdditionRequest{Source: "sim-utility", Kind: sesame.AdditionBillAccount}, "account"},
		{sesame.AdditionRequest{Source: "sim-utility", Kind: sesame.AdditionVerifiedFact, Fact: "education:astronaut"}, "fact"},
		{sesame.AdditionRequest{Source: "sim-utility", Kind: sesame.AdditionBillAccount, Account: "yacht-1"}, "account"},
	}
	for _, c := range cases {
		_, err := f.Record.Add(ctx, p, c.req)
		if sesame.ErrorCode(err) != sesame.EINVALID || !bytes.Contains([]byte(err.Error()+detailFields(err)), []byte(c.field)) {
			t.Errorf("%+v: %v, want invalid naming %s", c.req, err, c.field)
		}
	}
	if _, err := f.Record.Remove(ctx, p, "add_nothere"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Errorf("removing an unknown addition: %v", err)
	}
}

func detailFields(err error) string {
	var s string
	if e, ok := err.(*sesame.Error); ok {
		for _, d := range e.Details {
			s += d.Field + " "
		}
	}
	return s
}

// registry is a test source: it vouches for one identity fact, or for an
// event it should not have (a person's event dated in the future), or fails.
type registry struct{ mode string }

func (r registry) Vouch(_ context.Context, person string, req sesame.AdditionRequest, now time.Time) (string, []sesame.Event, error) {
	yes := true
	e := sesame.Event{Version: 1, Person: person, Kind: sesame.KindIdentityReported, OccurredAt: now.Add(-time.Hour),
		Payload: &sesame.IdentityReported{IdentityVerified: &yes}}
	switch r.mode {
	case "future":
		e.OccurredAt = now.Add(time.Hour)
	case "down":
		return "", nil, sesame.Errorf(sesame.EUNAVAILABLE, "the registry is down; try again later")
	}
	return "identity verified by the registry", []sesame.Event{e}, nil
}

// TestVouchingSourcesAreCheckedAndAdditionsBounded: what a source vouches
// for is validated like any event, a source's failure is passed on as
// such, and a person keeps at most score.MaxKeptAdditions additions.
func TestVouchingSourcesAreCheckedAndAdditionsBounded(t *testing.T) {
	ctx := context.Background()
	f := recordfixture.New(t, 1)
	f.Record.Vouchers["registry"] = registry{}
	f.Record.Vouchers["bad-registry"] = registry{"future"}
	f.Record.Vouchers["down-registry"] = registry{"down"}
	p := simulate.PersonID(0)
	fact := sesame.AdditionRequest{Kind: sesame.AdditionVerifiedFact, Fact: "identity"}
	fact.Source = "bad-registry"
	if _, err := f.Record.Add(ctx, p, fact); sesame.ErrorCode(err) != sesame.EINTERNAL {
		t.Errorf("an invalid vouched event: %v", err)
	}
	fact.Source = "down-registry"
	if _, err := f.Record.Add(ctx, p, fact); sesame.ErrorCode(err) != sesame.EUNAVAILABLE {
		t.Errorf("a source that is down: %v", err)
	}
	if list, _ := f.Record.List(ctx, p); len(list) != 0 {
		t.Fatalf("failed additions were kept: %+v", list)
	}
	fact.Source = "registry"
	for range score.MaxKeptAdditions {
		if _, err := f.Record.Add(ctx, p, fact); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.Record.Add(ctx, p, fact)
	if sesame.ErrorCode(err) != sesame.ECONFLICT {
		t.Fatalf("one addition too many: %v", err)
	}
	list, _ := f.Record.List(ctx, p)
	if _, err := f.Record.Remove(ctx, p, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Record.Add(ctx, p, fact); err != nil {
		t.Fatalf("after removing one: %v", err)
	}
}
