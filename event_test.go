package sesame_test

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

var (
	testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at      = time.Date(2026, 6, 1, 9, 30, 0, 0, time.FixedZone("", 8*3600))
	later   = at.AddDate(0, 0, 20)
	earlier = at.AddDate(0, 0, -1)
)

func cny(a int64) sesame.Money { return sesame.Money{Amount: a, Currency: "CNY"} }

type kindCase struct {
	event sesame.Event
}

func ev(k sesame.Kind, p sesame.Payload) sesame.Event {
	return sesame.Event{Version: 1, Source: "bank-1", ID: "evt-1", Person: "person-1", Kind: k, OccurredAt: at, Payload: p}
}

// validEvents has one valid event per kind.
func validEvents() []kindCase {
	yes := true
	since := at.AddDate(-2, 0, 0)
	amt := cny(50_00)
	return []kindCase{
		{ev(sesame.KindIdentityReported, &sesame.IdentityReported{BirthYear: 1990, Education: "bachelor", Employment: "employed", EmployedSince: &since,
			MaritalStatus: "single", IdentityVerified: &yes, AddressSince: &since, PhoneSince: &since, Protected: map[string]string{"sex": "f"}})},
		{ev(sesame.KindIncomeReported, &sesame.IncomeReported{Monthly: cny(12_000_00), Verified: true})},
		{ev(sesame.KindAssetReported, &sesame.AssetReported{Asset: "property", Value: cny(1_000_000_00)})},
		{ev(sesame.KindCreditLineOpened, &sesame.CreditLineOpened{Account: "card-1", Type: "credit_card", Limit: cny(20_000_00)})},
		{ev(sesame.KindCreditLineLimitChanged, &sesame.CreditLineLimitChanged{Account: "card-1", Limit: cny(30_000_00)})},
		{ev(sesame.KindCreditLineClosed, &sesame.CreditLineClosed{Account: "card-1"})},
		{ev(sesame.KindStatementIssued, &sesame.StatementIssued{Account: "card-1", Balance: cny(5_000_00), MinimumDue: cny(500_00), DueAt: later})},
		{ev(sesame.KindRepaymentMade, &sesame.RepaymentMade{Account: "card-1", Amount: cny(500_00)})},
		{ev(sesame.KindLoanOriginated, &sesame.LoanOriginated{Loan: "loan-1", Principal: cny(50_000_00), TermMonths: 24, RateBP: 650})},
		{ev(sesame.KindLoanSettled, &sesame.LoanSettled{Loan: "loan-1"})},
		{ev(sesame.KindLoanDefaulted, &sesame.LoanDefaulted{Loan: "loan-1", Outstanding: cny(12_000_00)})},
		{ev(sesame.KindLoanWrittenOff, &sesame.LoanWrittenOff{Loan: "loan-1", Amount: cny(12_000_00)})},
		{ev(sesame.KindCreditApplied, &sesame.CreditApplied{Application: "app-1", Product: "credit_card", Amount: &amt})},
		{ev(sesame.KindPaymentMade, &sesame.PaymentMade{Amount: cny(35_50), MerchantCategory: "5411", Channel: "qr", Direction: "debit"})},
		{ev(sesame.KindBillIssued, &sesame.BillIssued{Bill: "elec-2026-06", Category: "electricity", Amount: cny(180_00), DueAt: later})},
		{ev(sesame.KindBillPaid, &sesame.BillPaid{Bill: "elec-2026-06", Amount: cny(180_00)})},
		{ev(sesame.KindRentalStarted, &sesame.RentalStarted{Rental: "bike-9", Service: "bike", DepositWaived: cny(299_00), DueBackAt: later})},
		{ev(sesame.KindRentalReturned, &sesame.RentalReturned{Rental: "bike-9"})},
		{ev(sesame.KindRentalDamaged, &sesame.RentalDamaged{Rental: "bike-9", Amount: cny(40_00)})},
		{ev(sesame.KindRentalUnpaid, &sesame.RentalUnpaid{Rental: "bike-9", Amount: cny(3_00)})},
		{ev(sesame.KindOrderPlaced, &sesame.OrderPlaced{Order: "ord-7", Value: cny(899_00), PayBy: later})},
		{ev(sesame.KindOrderPaid, &sesame.OrderPaid{Order: "ord-7", Amount: cny(899_00)})},
		{ev(sesame.KindOrderReturned, &sesame.OrderReturned{Order: "ord-7"})},
		{ev(sesame.KindOrderUnpaid, &sesame.OrderUnpaid{Order: "ord-7", Amount: cny(899_00)})},
		{ev(sesame.KindPublicRecordListed, &sesame.PublicRecordListed{Record: "case-1", Type: "court_judgment", Amount: &amt})},
		{ev(sesame.KindPublicRecordCleared, &sesame.PublicRecordCleared{Record: "case-1"})},
		{ev(sesame.KindConnectionVouched, &sesame.ConnectionVouched{Voucher: "person-2", OptIn: true})},
		{ev(sesame.KindConnectionWithdrawn, &sesame.ConnectionWithdrawn{Voucher: "person-2"})},
	}
}

// errFields returns the fields an *Error names, sorted.
func errFields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var se *sesame.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *sesame.Error", err)
	}
	if se.Code != sesame.EINVALID {
		t.Errorf("code %q, want invalid", se.Code)
	}
	var out []string
	for _, d := range se.Details {
		if d.Reason == "" {
			t.Errorf("field %q has no reason", d.Field)
		}
		out = append(out, d.Field)
	}
	slices.Sort(out)
	return out
}

func TestEveryKindHasAValidCase(t *testing.T) {
	seen := map[sesame.Kind]bool{}
	for _, tc := range validEvents() {
		seen[tc.event.Kind] = true
		if err := tc.event.Validate(testNow); err != nil {
			t.Errorf("%s: %v", tc.event.Kind, err)
		}
	}
	for _, k := range sesame.Kinds() {
		if !seen[k] {
			t.Errorf("no valid case for %s", k)
		}
	}
}

func TestEnvelopeValidation(t *testing.T) {
	base := validEvents()[12].event // payment.made
	tests := []struct {
		name   string
		change func(e *sesame.Event)
		fields []string
	}{
		{"valid", func(e *sesame.Event) {}, nil},
		{"version 2", func(e *sesame.Event) { e.Version = 2 }, []string{"v"}},
		{"no source", func(e *sesame.Event) { e.Source = "" }, []string{"source"}},
		{"source with space", func(e *sesame.Event) { e.Source = "bank 1" }, []string{"source"}},
		{"id too long", func(e *sesame.Event) { e.ID = strings.Repeat("a", 129) }, []string{"id"}},
		{"id starts with dash", func(e *sesame.Event) { e.ID = "-1" }, []string{"id"}},
		{"no person", func(e *sesame.Event) { e.Person = "" }, []string{"person"}},
		{"no occurred_at", func(e *sesame.Event) { e.OccurredAt = time.Time{} }, []string{"occurred_at"}},
		{"occurred_at in the future", func(e *sesame.Event) { e.OccurredAt = testNow.Add(6 * time.Minute) }, []string{"occurred_at"}},
		{"occurred_at within clock skew", func(e *sesame.Event) { e.OccurredAt = testNow.Add(4 * time.Minute) }, nil},
		{"occurred_at before 1900", func(e *sesame.Event) { e.OccurredAt = time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC) }, []string{"occurred_at"}},
		{"unknown kind", func(e *sesame.Event) { e.Kind = "payment.maed" }, []string{"kind"}},
		{"no payload", func(e *sesame.Event) { e.Payload = nil }, []string{"payload"}},
		{"payload of another kind", func(e *sesame.Event) { e.Payload = &sesame.LoanSettled{Loan: "x"} }, []string{"payload"}},
		{"several at once", func(e *sesame.Event) { e.Source, e.ID = "", "" }, []string{"id", "source"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			tt.change(&e)
			if got := errFields(t, e.Validate(testNow)); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
		})
	}
}

// TestPayloadValidation has, for every kind, invalid cases for each of its
// fields; each names exactly the fields it breaks.
func TestPayloadValidation(t *testing.T) {
	yes := true
	future := at.Add(time.Hour)
	bad := sesame.Money{Amount: 1, Currency: "RMB"}
	neg := cny(-1)
	zero := cny(0)
	huge := cny(2_000_000_000_000_000)
	type c = struct {
		name    string
		payload sesame.Payload
		fields  []string
	}
	tests := map[sesame.Kind][]c{
		sesame.KindIdentityReported: {
			{"empty", &sesame.IdentityReported{}, []string{"payload"}},
			{"birth year too early", &sesame.IdentityReported{BirthYear: 1899}, []string{"payload.birth_year"}},
			{"birth year too late", &sesame.IdentityReported{BirthYear: at.Year() - 13}, []string{"payload.birth_year"}},
			{"education", &sesame.IdentityReported{Education: "phd"}, []string{"payload.education"}},
			{"employment", &sesame.IdentityReported{Employment: "busy"}, []string{"payload.employment"}},
			{"marital status", &sesame.IdentityReported{MaritalStatus: "complicated"}, []string{"payload.marital_status"}},
			{"employed since after", &sesame.IdentityReported{EmployedSince: &future}, []string{"payload.employed_since"}},
			{"address since after", &sesame.IdentityReported{AddressSince: &future}, []string{"payload.address_since"}},
			{"phone since after", &sesame.IdentityReported{PhoneSince: &future}, []string{"payload.phone_since"}},
			{"protected key", &sesame.IdentityReported{IdentityVerified: &yes, Protected: map[string]string{"bad key": "x"}}, []string{"payload.protected.bad key"}},
			{"protected value", &sesame.IdentityReported{Protected: map[string]string{"sex": strings.Repeat("x", 65)}}, []string{"payload.protected.sex"}},
		},
		sesame.KindIncomeReported: {
			{"currency", &sesame.IncomeReported{Monthly: bad}, []string{"payload.monthly.currency"}},
			{"no currency", &sesame.IncomeReported{Monthly: sesame.Money{Amount: 1}}, []string{"payload.monthly.currency"}},
			{"negative", &sesame.IncomeReported{Monthly: neg}, []string{"payload.monthly.amount"}},
			{"implausible", &sesame.IncomeReported{Monthly: huge}, []string{"payload.monthly.amount"}},
		},
		sesame.KindAssetReported: {
			{"asset", &sesame.AssetReported{Asset: "yacht", Value: cny(1)}, []string{"payload.asset"}},
			{"no asset", &sesame.AssetReported{Value: cny(1)}, []string{"payload.asset"}},
			{"value", &sesame.AssetReported{Asset: "vehicle", Value: neg}, []string{"payload.value.amount"}},
		},
		sesame.KindCreditLineOpened: {
			{"account", &sesame.CreditLineOpened{Type: "credit_card", Limit: cny(1)}, []string{"payload.account"}},
			{"type", &sesame.CreditLineOpened{Account: "a", Type: "gold", Limit: cny(1)}, []string{"payload.type"}},
			{"zero limit", &sesame.CreditLineOpened{Account: "a", Type: "credit_card", Limit: cny(0)}, []string{"payload.limit.amount"}},
			{"limit currency", &sesame.CreditLineOpened{Account: "a", Type: "credit_card", Limit: bad}, []string{"payload.limit.currency"}},
		},
		sesame.KindCreditLineLimitChanged: {
			{"account", &sesame.CreditLineLimitChanged{Account: "a b", Limit: cny(1)}, []string{"payload.account"}},
			{"limit", &sesame.CreditLineLimitChanged{Account: "a", Limit: neg}, []string{"payload.limit.amount"}},
		},
		sesame.KindCreditLineClosed: {
			{"account", &sesame.CreditLineClosed{}, []string{"payload.account"}},
		},
		sesame.KindStatementIssued: {
			{"account", &sesame.StatementIssued{Balance: cny(10), MinimumDue: cny(1), DueAt: later}, []string{"payload.account"}},
			{"balance", &sesame.StatementIssued{Account: "a", Balance: neg, MinimumDue: cny(0), DueAt: later}, []string{"payload.balance.amount", "payload.minimum_due.amount"}},
			{"minimum above balance", &sesame.StatementIssued{Account: "a", Balance: cny(1), MinimumDue: cny(2), DueAt: later}, []string{"payload.minimum_due.amount"}},
			{"currencies differ", &sesame.StatementIssued{Account: "a", Balance: cny(10), MinimumDue: sesame.Money{Amount: 1, Currency: "USD"}, DueAt: later}, []string{"payload.minimum_due.currency"}},
			{"no due date", &sesame.StatementIssued{Account: "a", Balance: cny(10), MinimumDue: cny(1)}, []string{"payload.due_at"}},
			{"due before statement", &sesame.StatementIssued{Account: "a", Balance: cny(10), MinimumDue: cny(1), DueAt: earlier}, []string{"payload.due_at"}},
		},
		sesame.KindRepaymentMade: {
			{"account", &sesame.RepaymentMade{Amount: cny(1)}, []string{"payload.account"}},
			{"zero amount", &sesame.RepaymentMade{Account: "a", Amount: cny(0)}, []string{"payload.amount.amount"}},
		},
		sesame.KindLoanOriginated: {
			{"loan", &sesame.LoanOriginated{Principal: cny(1), TermMonths: 1}, []string{"payload.loan"}},
			{"principal", &sesame.LoanOriginated{Loan: "l", Principal: cny(0), TermMonths: 1}, []string{"payload.principal.amount"}},
			{"term zero", &sesame.LoanOriginated{Loan: "l", Principal: cny(1)}, []string{"payload.term_months"}},
			{"term too long", &sesame.LoanOriginated{Loan: "l", Principal: cny(1), TermMonths: 601}, []string{"payload.term_months"}},
			{"negative rate", &sesame.LoanOriginated{Loan: "l", Principal: cny(1), TermMonths: 12, RateBP: -1}, []string{"payload.rate_bp"}},
			{"rate too high", &sesame.LoanOriginated{Loan: "l", Principal: cny(1), TermMonths: 12, RateBP: 100_001}, []string{"payload.rate_bp"}},
		},
		sesame.KindLoanSettled: {
			{"loan", &sesame.LoanSettled{}, []string{"payload.loan"}},
		},
		sesame.KindLoanDefaulted: {
			{"loan", &sesame.LoanDefaulted{Outstanding: cny(1)}, []string{"payload.loan"}},
			{"outstanding", &sesame.LoanDefaulted{Loan: "l", Outstanding: bad}, []string{"payload.outstanding.currency"}},
		},
		sesame.KindLoanWrittenOff: {
			{"loan", &sesame.LoanWrittenOff{Amount: cny(1)}, []string{"payload.loan"}},
			{"amount", &sesame.LoanWrittenOff{Loan: "l", Amount: neg}, []string{"payload.amount.amount"}},
		},
		sesame.KindPaymentMade: {
			{"amount", &sesame.PaymentMade{Amount: cny(0), MerchantCategory: "x", Channel: "qr"}, []string{"payload.amount.amount"}},
			{"no merchant category", &sesame.PaymentMade{Amount: cny(1), Channel: "qr"}, []string{"payload.merchant_category"}},
			{"long merchant category", &sesame.PaymentMade{Amount: cny(1), MerchantCategory: strings.Repeat("x", 33), Channel: "qr"}, []string{"payload.merchant_category"}},
			{"channel", &sesame.PaymentMade{Amount: cny(1), MerchantCategory: "x", Channel: "fax"}, []string{"payload.channel"}},
			{"direction", &sesame.PaymentMade{Amount: cny(1), MerchantCategory: "x", Channel: "qr", Direction: "up"}, []string{"payload.direction"}},
		},
		sesame.KindBillIssued: {
			{"bill", &sesame.BillIssued{Category: "water", Amount: cny(1), DueAt: later}, []string{"payload.bill"}},
			{"category", &sesame.BillIssued{Bill: "b", Category: "magazine", Amount: cny(1), DueAt: later}, []string{"payload.category"}},
			{"amount", &sesame.BillIssued{Bill: "b", Category: "water", Amount: neg, DueAt: later}, []string{"payload.amount.amount"}},
			{"no due date", &sesame.BillIssued{Bill: "b", Category: "water", Amount: cny(1)}, []string{"payload.due_at"}},
			{"due before bill", &sesame.BillIssued{Bill: "b", Category: "water", Amount: cny(1), DueAt: earlier}, []string{"payload.due_at"}},
		},
		sesame.KindBillPaid: {
			{"bill", &sesame.BillPaid{Amount: cny(1)}, []string{"payload.bill"}},
			{"amount", &sesame.BillPaid{Bill: "b", Amount: bad}, []string{"payload.amount.currency"}},
		},
		sesame.KindRentalStarted: {
			{"rental", &sesame.RentalStarted{Service: "car", DepositWaived: cny(1), DueBackAt: later}, []string{"payload.rental"}},
			{"service", &sesame.RentalStarted{Rental: "r", Service: "boat", DepositWaived: cny(1), DueBackAt: later}, []string{"payload.service"}},
			{"deposit", &sesame.RentalStarted{Rental: "r", Service: "car", DepositWaived: neg, DueBackAt: later}, []string{"payload.deposit_waived.amount"}},
			{"no due back", &sesame.RentalStarted{Rental: "r", Service: "car", DepositWaived: cny(1)}, []string{"payload.due_back_at"}},
			{"due back before start", &sesame.RentalStarted{Rental: "r", Service: "car", DepositWaived: cny(1), DueBackAt: earlier}, []string{"payload.due_back_at"}},
		},
		sesame.KindRentalReturned: {
			{"rental", &sesame.RentalReturned{}, []string{"payload.rental"}},
		},
		sesame.KindRentalDamaged: {
			{"rental", &sesame.RentalDamaged{Amount: cny(1)}, []string{"payload.rental"}},
			{"amount", &sesame.RentalDamaged{Rental: "r", Amount: neg}, []string{"payload.amount.amount"}},
		},
		sesame.KindRentalUnpaid: {
			{"rental", &sesame.RentalUnpaid{Amount: cny(1)}, []string{"payload.rental"}},
			{"zero amount", &sesame.RentalUnpaid{Rental: "r", Amount: cny(0)}, []string{"payload.amount.amount"}},
		},
		sesame.KindOrderPlaced: {
			{"order", &sesame.OrderPlaced{Value: cny(1), PayBy: later}, []string{"payload.order"}},
			{"value", &sesame.OrderPlaced{Order: "o", Value: cny(0), PayBy: later}, []string{"payload.value.amount"}},
			{"no pay by", &sesame.OrderPlaced{Order: "o", Value: cny(1)}, []string{"payload.pay_by"}},
			{"pay by before order", &sesame.OrderPlaced{Order: "o", Value: cny(1), PayBy: earlier}, []string{"payload.pay_by"}},
		},
		sesame.KindOrderPaid: {
			{"order", &sesame.OrderPaid{Amount: cny(1)}, []string{"payload.order"}},
			{"amount", &sesame.OrderPaid{Order: "o", Amount: cny(0)}, []string{"payload.amount.amount"}},
		},
		sesame.KindOrderReturned: {
			{"order", &sesame.OrderReturned{Order: "o/1"}, []string{"payload.order"}},
		},
		sesame.KindOrderUnpaid: {
			{"order", &sesame.OrderUnpaid{Amount: cny(1)}, []string{"payload.order"}},
			{"amount", &sesame.OrderUnpaid{Order: "o", Amount: bad}, []string{"payload.amount.currency"}},
		},
		sesame.KindCreditApplied: {
			{"application", &sesame.CreditApplied{Product: "loan"}, []string{"payload.application"}},
			{"product", &sesame.CreditApplied{Application: "a", Product: "mortgage-ish"}, []string{"payload.product"}},
			{"no product", &sesame.CreditApplied{Application: "a"}, []string{"payload.product"}},
			{"zero amount", &sesame.CreditApplied{Application: "a", Product: "loan", Amount: &zero}, []string{"payload.amount.amount"}},
		},
		sesame.KindPublicRecordListed: {
			{"record", &sesame.PublicRecordListed{Type: "tax_arrears"}, []string{"payload.record"}},
			{"type", &sesame.PublicRecordListed{Record: "r", Type: "gossip"}, []string{"payload.type"}},
			{"amount", &sesame.PublicRecordListed{Record: "r", Type: "tax_arrears", Amount: &neg}, []string{"payload.amount.amount"}},
		},
		sesame.KindPublicRecordCleared: {
			{"record", &sesame.PublicRecordCleared{}, []string{"payload.record"}},
		},
		sesame.KindConnectionVouched: {
			{"voucher", &sesame.ConnectionVouched{OptIn: true}, []string{"payload.voucher"}},
			{"self", &sesame.ConnectionVouched{Voucher: "person-1", OptIn: true}, []string{"payload.voucher"}},
			{"no opt-in", &sesame.ConnectionVouched{Voucher: "person-2"}, []string{"payload.opt_in"}},
		},
		sesame.KindConnectionWithdrawn: {
			{"voucher", &sesame.ConnectionWithdrawn{}, []string{"payload.voucher"}},
		},
	}
	for _, k := range sesame.Kinds() {
		if len(tests[k]) == 0 {
			t.Errorf("no invalid cases for %s", k)
		}
	}
	for k, cases := range tests {
		for _, tt := range cases {
			t.Run(string(k)+"/"+tt.name, func(t *testing.T) {
				e := ev(k, tt.payload)
				if got := errFields(t, e.Validate(testNow)); !slices.Equal(got, tt.fields) {
					t.Errorf("fields %v, want %v", got, tt.fields)
				}
			})
		}
	}
}

// TestValidIDMatchesItsPattern checks the hand-written ValidID against the
// documented pattern on tricky and random inputs.
func TestValidIDMatchesItsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$`)
	cases := []string{"", "a", "-a", ".a", "a-", "a b", "a\n", "é", "aé", "A0._:@-", strings.Repeat("a", 128), strings.Repeat("a", 129), "a/b", "a\x00"}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "aZ09._:@-/ é\x00"
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.IntN(6))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := sesame.ValidID(s), pattern.MatchString(s); got != want {
			t.Errorf("ValidID(%q) = %v, pattern says %v", s, got, want)
		}
	}
}
