package simulate

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// Voucher plays a source that vouches for what a person adds to their own
// record: a utility, phone or streaming company that looks up the account
// and reports its last year of bills, or a registry that verifies a fact.
// The history it reports is drawn from the person and account, so the same
// request always gets the same answer; Late is the chance a bill was paid
// after its due date.
type Voucher struct {
	Late float64
}

// Vouch returns the events the source stands behind. Accounts are named
// CATEGORY-REF (electricity-4411, phone-0187; "streaming" counts as tv);
// facts are "identity", "education:LEVEL" or "employment:STATUS".
func (v Voucher) Vouch(ctx context.Context, person string, req sesame.AdditionRequest, now time.Time) (string, []sesame.Event, error) {
	switch req.Kind {
	case sesame.AdditionBillAccount:
		return v.bills(person, req, now)
	case sesame.AdditionVerifiedFact:
		return fact(person, req, now)
	}
	return "", nil, sesame.Errorf(sesame.EINVALID, "kind: use bill_account or verified_fact")
}

func (v Voucher) bills(person string, req sesame.AdditionRequest, now time.Time) (string, []sesame.Event, error) {
	category, ref, ok := strings.Cut(req.Account, "-")
	if category == "streaming" {
		category = "tv"
	}
	if !ok || ref == "" || !slices.Contains(sesame.BillCategories, category) {
		return "", nil, sesame.Errorf(sesame.EINVALID, "account: the source knows no account %q; name it CATEGORY-REF, e.g. electricity-4411 (categories: %s, streaming)",
			req.Account, strings.Join(sesame.BillCategories, ", "))
	}
	h := fnv.New64a()
	h.Write([]byte(person + "\x00" + req.Account))
	seed := h.Sum64()
	amount := int64(3000 + seed%12000)
	var events []sesame.Event
	month := time.Date(now.Year(), now.Month(), 1, 9, 0, 0, 0, time.UTC)
	for m := 12; m >= 1; m-- {
		issued := month.AddDate(0, -m, 0)
		due := issued.AddDate(0, 0, 14)
		bill := fmt.Sprintf("self-%s-%s", req.Account, issued.Format("200601"))
		paid := due.Add(-48 * time.Hour)
		seed = seed*6364136223846793005 + 1442695040888963407
		if float64(seed>>11)/(1<<53) < v.Late {
			paid = due.AddDate(0, 0, 10)
		}
		if paid.After(now) {
			continue
		}
		money := sesame.Money{Amount: amount, Currency: "CNY"}
		events = append(events,
			sesame.Event{Version: 1, Person: person, Kind: sesame.KindBillIssued, OccurredAt: issued,
				Payload: &sesame.BillIssued{Bill: bill, Category: category, Amount: money, DueAt: due}},
			sesame.Event{Version: 1, Person: person, Kind: sesame.KindBillPaid, OccurredAt: paid,
				Payload: &sesame.BillPaid{Bill: bill, Amount: money}})
	}
	return fmt.Sprintf("%s account %s: %d bills", category, ref, len(events)/2), events, nil
}

func fact(person string, req sesame.AdditionRequest, now time.Time) (string, []sesame.Event, error) {
	what, value, _ := strings.Cut(req.Fact, ":")
	p := &sesame.IdentityReported{}
	var label string
	switch {
	case what == "identity" && value == "":
		yes := true
		p.IdentityVerified, label = &yes, "identity verified"
	case what == "education" && slices.Contains(sesame.Educations, value):
		p.Education, label = value, "education verified: "+value
	case what == "employment" && slices.Contains(sesame.Employments, value):
		since := now.AddDate(-2, 0, 0)
		p.Employment, p.EmployedSince, label = value, &since, "employment verified: "+value
	default:
		return "", nil, sesame.Errorf(sesame.EINVALID, "fact: the source verifies identity, education:LEVEL (%s) or employment:STATUS (%s)",
			strings.Join(sesame.Educations, ", "), strings.Join(sesame.Employments, ", "))
	}
	return label, []sesame.Event{{Version: 1, Person: person, Kind: sesame.KindIdentityReported, OccurredAt: now.Add(-time.Minute), Payload: p}}, nil
}
