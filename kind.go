package sesame

import (
	"reflect"
	"sort"
)

// Kind names what an event says happened. The list is closed: an unknown kind
// is rejected, so that a typo at a source never silently drops out of scoring.
type Kind string

// The kinds of events, grouped by what they describe. docs/events.md gives
// each payload with an example.
const (
	// Identity and capacity facts.
	KindIdentityReported Kind = "identity.reported" // birth year, education, employment, verification, tenure of address and phone
	KindIncomeReported   Kind = "income.reported"   // a monthly income figure, verified or declared
	KindAssetReported    Kind = "asset.reported"    // an asset held (property, vehicle, deposits)

	// Revolving credit. Days past due are derived by Sesame from statements
	// and repayments; a source never sends them.
	KindCreditLineOpened       Kind = "credit_line.opened"
	KindCreditLineLimitChanged Kind = "credit_line.limit_changed"
	KindCreditLineClosed       Kind = "credit_line.closed"
	KindStatementIssued        Kind = "statement.issued"
	KindRepaymentMade          Kind = "repayment.made" // occurred_at is when it was paid

	// Instalment loans.
	KindLoanOriginated Kind = "loan.originated"
	KindLoanSettled    Kind = "loan.settled"
	KindLoanDefaulted  Kind = "loan.defaulted"
	KindLoanWrittenOff Kind = "loan.written_off"

	// Applications for credit: a lender reports each one it checked the
	// person's record for (a hard inquiry), whatever it then decided.
	KindCreditApplied Kind = "credit.applied"

	// Everyday money.
	KindPaymentMade Kind = "payment.made" // a payment transaction
	KindBillIssued  Kind = "bill.issued"  // a utility, phone or internet bill
	KindBillPaid    Kind = "bill.paid"    // occurred_at is when it was paid

	// Deposit-free rentals: houses, cars, shared bikes, short stays.
	KindRentalStarted  Kind = "rental.started"
	KindRentalReturned Kind = "rental.returned"
	KindRentalDamaged  Kind = "rental.damaged"
	KindRentalUnpaid   Kind = "rental.unpaid"

	// Try-before-buy orders.
	KindOrderPlaced   Kind = "order.placed"
	KindOrderPaid     Kind = "order.paid"
	KindOrderReturned Kind = "order.returned"
	KindOrderUnpaid   Kind = "order.unpaid"

	// Public records.
	KindPublicRecordListed  Kind = "public_record.listed"
	KindPublicRecordCleared Kind = "public_record.cleared"

	// Connections (opt-in only).
	KindConnectionVouched   Kind = "connection.vouched"
	KindConnectionWithdrawn Kind = "connection.withdrawn"
)

// kindPayloads maps each kind to a constructor of its (zero) payload.
var kindPayloads = map[Kind]func() any{
	KindIdentityReported:       func() any { return &IdentityReported{} },
	KindIncomeReported:         func() any { return &IncomeReported{} },
	KindAssetReported:          func() any { return &AssetReported{} },
	KindCreditLineOpened:       func() any { return &CreditLineOpened{} },
	KindCreditLineLimitChanged: func() any { return &CreditLineLimitChanged{} },
	KindCreditLineClosed:       func() any { return &CreditLineClosed{} },
	KindStatementIssued:        func() any { return &StatementIssued{} },
	KindRepaymentMade:          func() any { return &RepaymentMade{} },
	KindLoanOriginated:         func() any { return &LoanOriginated{} },
	KindLoanSettled:            func() any { return &LoanSettled{} },
	KindLoanDefaulted:          func() any { return &LoanDefaulted{} },
	KindLoanWrittenOff:         func() any { return &LoanWrittenOff{} },
	KindCreditApplied:          func() any { return &CreditApplied{} },
	KindPaymentMade:            func() any { return &PaymentMade{} },
	KindBillIssued:             func() any { return &BillIssued{} },
	KindBillPaid:               func() any { return &BillPaid{} },
	KindRentalStarted:          func() any { return &RentalStarted{} },
	KindRentalReturned:         func() any { return &RentalReturned{} },
	KindRentalDamaged:          func() any { return &RentalDamaged{} },
	KindRentalUnpaid:           func() any { return &RentalUnpaid{} },
	KindOrderPlaced:            func() any { return &OrderPlaced{} },
	KindOrderPaid:              func() any { return &OrderPaid{} },
	KindOrderReturned:          func() any { return &OrderReturned{} },
	KindOrderUnpaid:            func() any { return &OrderUnpaid{} },
	KindPublicRecordListed:     func() any { return &PublicRecordListed{} },
	KindPublicRecordCleared:    func() any { return &PublicRecordCleared{} },
	KindConnectionVouched:      func() any { return &ConnectionVouched{} },
	KindConnectionWithdrawn:    func() any { return &ConnectionWithdrawn{} },
}

// Known reports whether k is one of the kinds above.
func (k Kind) Known() bool { _, ok := kindPayloads[k]; return ok }

// NewPayload returns a new zero payload for kind k (a pointer to its struct),
// or nil for an unknown kind.
func NewPayload(k Kind) Payload {
	f, ok := kindPayloads[k]
	if !ok {
		return nil
	}
	return f().(Payload)
}

// Kinds returns every known kind, sorted.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(kindPayloads))
	for k := range kindPayloads {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

func samePayloadType(a, b Payload) bool {
	return reflect.TypeOf(a) == reflect.TypeOf(b)
}
