package ledgertest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/sesame-credit/sesame"
)

// Base is the time generated events start from. It lies in the past so that
// no generated event is rejected for lying in the future.
var Base = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func cny(amount int64) sesame.Money { return sesame.Money{Amount: amount, Currency: "CNY"} }

// Payload returns a valid payload of kind k for an event of person at time
// t; n varies the amounts and references so that two calls with different n
// give different bodies.
func Payload(k sesame.Kind, person string, t time.Time, n int) sesame.Payload {
	ref := fmt.Sprintf("r%d", n%1000)
	amt := int64(100 + n%100_000)
	switch k {
	case sesame.KindIdentityReported:
		yes := true
		since := t.AddDate(-3, 0, 0)
		return &sesame.IdentityReported{BirthYear: 1960 + n%40, Education: "bachelor", Employment: "employed", EmployedSince: &since, IdentityVerified: &yes}
	case sesame.KindIncomeReported:
		return &sesame.IncomeReported{Monthly: cny(800_000 + amt), Verified: n%2 == 0}
	case sesame.KindAssetReported:
		return &sesame.AssetReported{Asset: "vehicle", Value: cny(10_000_000 + amt)}
	case sesame.KindCreditLineOpened:
		return &sesame.CreditLineOpened{Account: "card-" + ref, Type: "credit_card", Limit: cny(5_000_000 + amt)}
	case sesame.KindCreditLineLimitChanged:
		return &sesame.CreditLineLimitChanged{Account: "card-" + ref, Limit: cny(8_000_000 + amt)}
	case sesame.KindCreditLineClosed:
		return &sesame.CreditLineClosed{Account: "card-" + ref}
	case sesame.KindStatementIssued:
		return &sesame.StatementIssued{Account: "card-" + ref, Balance: cny(10 * amt), MinimumDue: cny(amt), DueAt: t.AddDate(0, 0, 20)}
	case sesame.KindRepaymentMade:
		return &sesame.RepaymentMade{Account: "card-" + ref, Amount: cny(amt)}
	case sesame.KindLoanOriginated:
		return &sesame.LoanOriginated{Loan: "loan-" + ref, Principal: cny(100 * amt), TermMonths: 12 + n%48, RateBP: 500 + n%1500}
	case sesame.KindLoanSettled:
		return &sesame.LoanSettled{Loan: "loan-" + ref}
	case sesame.KindLoanDefaulted:
		return &sesame.LoanDefaulted{Loan: "loan-" + ref, Outstanding: cny(amt)}
	case sesame.KindLoanWrittenOff:
		return &sesame.LoanWrittenOff{Loan: "loan-" + ref, Amount: cny(amt)}
	case sesame.KindCreditApplied:
		a := cny(100 * amt)
		return &sesame.CreditApplied{Application: "app-" + ref, Product: sesame.CreditProducts[n%len(sesame.CreditProducts)], Amount: &a}
	case sesame.KindPaymentMade:
		channels := sesame.PaymentChannels
		return &sesame.PaymentMade{Amount: cny(amt), MerchantCategory: "5411", Channel: channels[n%len(channels)]}
	case sesame.KindBillIssued:
		return &sesame.BillIssued{Bill: "bill-" + ref, Category: "electricity", Amount: cny(amt), DueAt: t.AddDate(0, 0, 15)}
	case sesame.KindBillPaid:
		return &sesame.BillPaid{Bill: "bill-" + ref, Amount: cny(amt)}
	case sesame.KindRentalStarted:
		return &sesame.RentalStarted{Rental: "rent-" + ref, Service: "bike", DepositWaived: cny(29_900), DueBackAt: t.Add(2 * time.Hour)}
	case sesame.KindRentalReturned:
		return &sesame.RentalReturned{Rental: "rent-" + ref}
	case sesame.KindRentalDamaged:
		return &sesame.RentalDamaged{Rental: "rent-" + ref, Amount: cny(amt)}
	case sesame.KindRentalUnpaid:
		return &sesame.RentalUnpaid{Rental: "rent-" + ref, Amount: cny(amt)}
	case sesame.KindOrderPlaced:
		return &sesame.OrderPlaced{Order: "ord-" + ref, Value: cny(amt), PayBy: t.AddDate(0, 0, 14)}
	case sesame.KindOrderPaid:
		return &sesame.OrderPaid{Order: "ord-" + ref, Amount: cny(amt)}
	case sesame.KindOrderReturned:
		return &sesame.OrderReturned{Order: "ord-" + ref}
	case sesame.KindOrderUnpaid:
		return &sesame.OrderUnpaid{Order: "ord-" + ref, Amount: cny(amt)}
	case sesame.KindPublicRecordListed:
		a := cny(amt)
		return &sesame.PublicRecordListed{Record: "rec-" + ref, Type: "court_judgment", Amount: &a}
	case sesame.KindPublicRecordCleared:
		return &sesame.PublicRecordCleared{Record: "rec-" + ref}
	case sesame.KindConnectionVouched:
		return &sesame.ConnectionVouched{Voucher: person + "-friend", OptIn: true}
	case sesame.KindConnectionWithdrawn:
		return &sesame.ConnectionWithdrawn{Voucher: person + "-friend"}
	}
	panic("ledgertest: no sample payload for kind " + string(k))
}

// NewEvent returns a valid event.
func NewEvent(source, id, person string, k sesame.Kind, t time.Time, n int) sesame.Event {
	return sesame.Event{Version: sesame.EnvelopeVersion, Source: source, ID: id, Person: person, Kind: k, OccurredAt: t, Payload: Payload(k, person, t, n)}
}

// mix gives each kind its share of a realistic ledger, per 1,000 events:
// payments dominate, then the monthly rhythm of statements, repayments and
// bills, then rentals and orders, with rare defaults and public records.
var mix = []struct {
	kind   sesame.Kind
	weight int
}{
	{sesame.KindPaymentMade, 392},
	{sesame.KindStatementIssued, 70},
	{sesame.KindRepaymentMade, 70},
	{sesame.KindBillIssued, 60},
	{sesame.KindBillPaid, 58},
	{sesame.KindRentalStarted, 60},
	{sesame.KindRentalReturned, 57},
	{sesame.KindRentalDamaged, 2},
	{sesame.KindRentalUnpaid, 3},
	{sesame.KindOrderPlaced, 35},
	{sesame.KindOrderPaid, 25},
	{sesame.KindOrderReturned, 8},
	{sesame.KindOrderUnpaid, 2},
	{sesame.KindIdentityReported, 10},
	{sesame.KindIncomeReported, 12},
	{sesame.KindAssetReported, 5},
	{sesame.KindCreditLineOpened, 10},
	{sesame.KindCreditLineLimitChanged, 6},
	{sesame.KindCreditLineClosed, 4},
	{sesame.KindLoanOriginated, 25},
	{sesame.KindLoanSettled, 18},
	{sesame.KindLoanDefaulted, 3},
	{sesame.KindLoanWrittenOff, 2},
	{sesame.KindCreditApplied, 8},
	{sesame.KindPublicRecordListed, 2},
	{sesame.KindPublicRecordCleared, 1},
	{sesame.KindConnectionVouched, 9},
	{sesame.KindConnectionWithdrawn, 3},
}

// Generator makes a reproducible stream of valid, mixed events for tests and
// benchmarks: every kind appears, in realistic proportions, spread over
// People people and 600 days from Base.
type Generator struct {
	Source string
	People int
	rng    *rand.Rand
	n      int
	total  int
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64, people int) *Generator {
	if people < 1 {
		people = 1
	}
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	return &Generator{Source: "gen", People: people, rng: rand.New(rand.NewPCG(seed, seed^0x5e5a3e)), total: total}
}

// Next returns the next event; ids are gen-0, gen-1, … so every event is new.
func (g *Generator) Next() sesame.Event {
	n := g.n
	g.n++
	pick := g.rng.IntN(g.total)
	k := mix[len(mix)-1].kind
	for _, m := range mix {
		if pick < m.weight {
			k = m.kind
			break
		}
		pick -= m.weight
	}
	person := fmt.Sprintf("p%07d", g.rng.IntN(g.People))
	t := Base.Add(time.Duration(g.rng.Int64N(int64(600 * 24 * time.Hour)))).Truncate(time.Second)
	return NewEvent(g.Source, fmt.Sprintf("%s-%d", g.Source, n), person, k, t, n)
}
