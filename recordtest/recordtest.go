// Package recordtest is the contract of the record stores — people's badge
// choices (sesame.BadgeStore) and self-added additions
// (sesame.AdditionStore) — run against every implementation.
package recordtest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// Store is what an implementation offers.
type Store interface {
	sesame.BadgeStore
	sesame.AdditionStore
}

var (
	ctx = context.Background()
	t0  = time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
)

// Run runs the contract; open returns a store on a fresh, empty database.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("Badges", func(t *testing.T) { testBadges(t, open(t)) })
	t.Run("Additions", func(t *testing.T) { testAdditions(t, open(t)) })
}

func testBadges(t *testing.T, s Store) {
	if _, err := s.Badge(ctx, "p1", "dating"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("no choice yet: %v", err)
	}
	b := &sesame.BadgeChoice{Person: "p1", Partner: "dating", Claim: sesame.BadgeClaim{Kind: sesame.BadgeBandAtLeast, MinBand: sesame.Good}, ChosenAt: t0}
	if err := s.SetBadge(ctx, b); err != nil {
		t.Fatal(err)
	}
	b2 := &sesame.BadgeChoice{Person: "p1", Partner: "market", Claim: sesame.BadgeClaim{Kind: sesame.BadgeVerifiedClean}, ChosenAt: t0}
	if err := s.SetBadge(ctx, b2); err != nil {
		t.Fatal(err)
	}
	got, err := s.Badge(ctx, "p1", "dating")
	if err != nil || !reflect.DeepEqual(got, b) {
		t.Fatalf("badge %+v %v, want %+v", got, err, b)
	}
	// Choosing again replaces the choice for that partner only.
	b.Claim.MinBand, b.ChosenAt = sesame.Excellent, t0.Add(time.Hour)
	if err := s.SetBadge(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Badge(ctx, "p1", "dating"); !reflect.DeepEqual(got, b) {
		t.Fatalf("after choosing again: %+v", got)
	}
	if got, _ := s.Badge(ctx, "p1", "market"); !reflect.DeepEqual(got, b2) {
		t.Fatalf("the other partner's choice changed: %+v", got)
	}
	if _, err := s.Badge(ctx, "p2", "dating"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("another person's choice: %v", err)
	}
	all, err := s.Badges(ctx, "p1")
	if err != nil || !reflect.DeepEqual(all, []*sesame.BadgeChoice{b, b2}) {
		t.Fatalf("all of p1's choices: %+v %v, want dating then market", all, err)
	}
	if none, err := s.Badges(ctx, "p2"); err != nil || len(none) != 0 {
		t.Fatalf("p2's choices: %+v %v, want none", none, err)
	}
}

func testAdditions(t *testing.T, s Store) {
	yes := true
	ev := sesame.Event{Version: 1, Source: "sim-utility", ID: "add_1.0", Person: "p1", Kind: sesame.KindIdentityReported,
		OccurredAt: t0.Add(-time.Hour), RecordedAt: t0, Payload: &sesame.IdentityReported{IdentityVerified: &yes}}
	a := &sesame.Addition{ID: "add_1", Person: "p1", Kind: sesame.AdditionVerifiedFact, Source: "sim-utility", Label: "Identity verified", AddedAt: t0, Events: []sesame.Event{ev}}
	if err := s.AddAddition(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddition(ctx, a); sesame.ErrorCode(err) != sesame.ECONFLICT {
		t.Fatalf("same id twice: %v", err)
	}
	b := &sesame.Addition{ID: "add_2", Person: "p1", Kind: sesame.AdditionBillAccount, Source: "sim-utility", Label: "Phone bill", AddedAt: t0.Add(time.Minute)}
	c := &sesame.Addition{ID: "add_3", Person: "p2", Kind: sesame.AdditionBillAccount, Source: "sim-utility", Label: "Water bill", AddedAt: t0}
	for _, x := range []*sesame.Addition{b, c} {
		if err := s.AddAddition(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetAdditionGain(ctx, "p1", "add_1", 14); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAdditionGain(ctx, "p2", "add_1", 99); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("gain on another's addition: %v", err)
	}
	list, err := s.Additions(ctx, "p1")
	if err != nil || len(list) != 2 || list[0].ID != "add_2" || list[1].ID != "add_1" || list[1].Gain != 14 {
		t.Fatalf("additions %+v %v", list, err)
	}
	if got := list[1].Events; len(got) != 1 || got[0].Key() != ev.Key() || !got[0].RecordedAt.Equal(t0) || *got[0].Payload.(*sesame.IdentityReported).IdentityVerified != true {
		t.Fatalf("events did not round-trip: %+v", got)
	}
	if err := s.RemoveAddition(ctx, "p2", "add_1", t0); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("removing another's addition: %v", err)
	}
	if err := s.RemoveAddition(ctx, "p1", "add_1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveAddition(ctx, "p1", "add_1", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	list, _ = s.Additions(ctx, "p1")
	if !list[1].RemovedAt.Equal(t0.Add(time.Hour)) || list[1].Kept() || !list[0].Kept() {
		t.Fatalf("after removal: %+v", list)
	}
	kept, err := s.KeptAdditions(ctx, []string{"p1", "p2", "p3"})
	if err != nil || len(kept) != 2 || len(kept["p1"]) != 1 || kept["p1"][0].ID != "add_2" || len(kept["p2"]) != 1 {
		t.Fatalf("kept %+v %v", kept, err)
	}
	people, err := s.PeopleWithAdditions(ctx)
	if err != nil || !reflect.DeepEqual(people, []string{"p1", "p2"}) {
		t.Fatalf("people %v %v", people, err)
	}
}
