package sesame

import (
	"net/mail"
	"time"
)

// Payload is the typed body of an event; its concrete type is fixed by the
// event's kind (see NewPayload). Only this package defines payloads, so the
// list of facts Sesame understands stays in one place.
type Payload interface {
	validate(v *validator, e *Event)
}

// Enumerations used by payloads. Each is a closed list so that features can
// rely on the values.
var (
	Educations       = []string{"none", "primary", "secondary", "vocational", "bachelor", "master", "doctorate", "other"}
	Employments      = []string{"employed", "self_employed", "unemployed", "student", "retired", "other"}
	MaritalStatuses  = []string{"single", "married", "divorced", "widowed", "other"}
	AssetTypes       = []string{"property", "vehicle", "deposit", "investment", "other"}
	CreditLineTypes  = []string{"credit_card", "revolving", "overdraft", "pay_later"}
	PaymentChannels  = []string{"online", "in_store", "qr", "transfer", "app", "other"}
	PaymentDirection = []string{"debit", "credit"}
	BillCategories   = []string{"electricity", "water", "gas", "phone", "internet", "tv", "rent", "other"}
	RentalServices   = []string{"house", "car", "bike", "short_stay", "power_bank", "umbrella", "other"}
	CreditProducts   = []string{"credit_card", "loan", "revolving", "overdraft", "pay_later", "other"}
	PublicRecords    = []string{"court_judgment", "dishonest_debtor", "tax_arrears", "administrative_penalty", "other"}
)

// IdentityReported states identity facts; each field is optional but at
// least one must be set. A later report overrides the fields it sets.
type IdentityReported struct {
	BirthYear        int        `json:"birth_year,omitempty"`
	Education        string     `json:"education,omitempty"`
	Employment       string     `json:"employment,omitempty"`
	EmployedSince    *time.Time `json:"employed_since,omitempty"`
	MaritalStatus    string     `json:"marital_status,omitempty"`
	IdentityVerified *bool      `json:"identity_verified,omitempty"`
	AddressSince     *time.Time `json:"address_since,omitempty"`
	PhoneSince       *time.Time `json:"phone_since,omitempty"`
	// VerifiedEmail and VerifiedPhone are an e-mail address and a phone
	// number (E.164, "+8613800138000") the source has confirmed belong to
	// the person — by a code sent there, say. They let the person log in to
	// the portal with what they know; no feature reads them.
	VerifiedEmail string `json:"verified_email,omitempty"`
	VerifiedPhone string `json:"verified_phone,omitempty"`
	// Protected holds protected attributes (e.g. "sex") that a source supplies
	// for fairness measurement only. No feature may read them; dataset builds
	// may export them as columns marked protected, never as model inputs.
	Protected map[string]string `json:"protected,omitempty"`
}

func (p *IdentityReported) validate(v *validator, e *Event) {
	empty := true
	if p.BirthYear != 0 {
		empty = false
		if p.BirthYear < 1900 || p.BirthYear > e.OccurredAt.Year()-14 {
			v.add("birth_year", "must be between 1900 and 14 years before occurred_at")
		}
	}
	if p.Education != "" {
		empty = false
		v.oneOf("education", p.Education, Educations)
	}
	if p.Employment != "" {
		empty = false
		v.oneOf("employment", p.Employment, Employments)
	}
	if p.MaritalStatus != "" {
		empty = false
		v.oneOf("marital_status", p.MaritalStatus, MaritalStatuses)
	}
	for name, t := range map[string]*time.Time{"employed_since": p.EmployedSince, "address_since": p.AddressSince, "phone_since": p.PhoneSince} {
		if t != nil {
			empty = false
			v.notAfter(name, *t, e.OccurredAt)
		}
	}
	if p.IdentityVerified != nil {
		empty = false
	}
	if p.VerifiedEmail != "" {
		empty = false
		if a, err := mail.ParseAddress(p.VerifiedEmail); err != nil || a.Address != p.VerifiedEmail || a.Name != "" || len(p.VerifiedEmail) > 254 {
			v.add("verified_email", "must be a plain e-mail address such as ann@example.org")
		}
	}
	if p.VerifiedPhone != "" {
		empty = false
		if !validE164(p.VerifiedPhone) {
			v.add("verified_phone", "must be a phone number in E.164 form: + then 7 to 15 digits, such as +8613800138000")
		}
	}
	for k, val := range p.Protected {
		empty = false
		if !ValidID(k) || len(val) > 64 {
			v.add("protected."+k, "attribute names must be ids and values at most 64 bytes")
		}
	}
	if empty {
		v.add("", "states no fact: set at least one field")
	}
}

// IncomeReported states a monthly income.
type IncomeReported struct {
	Monthly  Money `json:"monthly"`
	Verified bool  `json:"verified"` // from payroll or tax records rather than declared
}

func (p *IncomeReported) validate(v *validator, _ *Event) { p.Monthly.validate(v, "monthly", true) }

// AssetReported states an asset the person holds and its value.
type AssetReported struct {
	Asset string `json:"asset"`
	Value Money  `json:"value"`
}

func (p *AssetReported) validate(v *validator, _ *Event) {
	v.oneOf("asset", p.Asset, AssetTypes)
	p.Value.validate(v, "value", true)
}

// CreditLineOpened opens a revolving account (a card, a credit line).
type CreditLineOpened struct {
	Account string `json:"account"`
	Type    string `json:"type"`
	Limit   Money  `json:"limit"`
}

func (p *CreditLineOpened) validate(v *validator, _ *Event) {
	v.id("account", p.Account)
	v.oneOf("type", p.Type, CreditLineTypes)
	p.Limit.validate(v, "limit", false)
}

// CreditLineLimitChanged sets a new limit on an account.
type CreditLineLimitChanged struct {
	Account string `json:"account"`
	Limit   Money  `json:"limit"`
}

func (p *CreditLineLimitChanged) validate(v *validator, _ *Event) {
	v.id("account", p.Account)
	p.Limit.validate(v, "limit", true)
}

// CreditLineClosed closes an account.
type CreditLineClosed struct {
	Account string `json:"account"`
}

func (p *CreditLineClosed) validate(v *validator, _ *Event) { v.id("account", p.Account) }

// StatementIssued is a monthly statement: the balance owed, the minimum due
// and when it is due. Paying at least MinimumDue by DueAt keeps the account
// current; Sesame derives days past due from statements and repayments.
type StatementIssued struct {
	Account    string    `json:"account"`
	Balance    Money     `json:"balance"`
	MinimumDue Money     `json:"minimum_due"`
	DueAt      time.Time `json:"due_at"`
}

func (p *StatementIssued) validate(v *validator, e *Event) {
	v.id("account", p.Account)
	p.Balance.validate(v, "balance", true)
	p.MinimumDue.validate(v, "minimum_due", true)
	if p.MinimumDue.Currency != p.Balance.Currency {
		v.add("minimum_due.currency", "must equal balance.currency")
	}
	if p.MinimumDue.Amount > p.Balance.Amount {
		v.add("minimum_due.amount", "must not exceed balance.amount")
	}
	if p.DueAt.IsZero() {
		v.add("due_at", "is required")
	} else if p.DueAt.Before(e.OccurredAt) {
		v.add("due_at", "must not be before occurred_at (the statement date)")
	}
}

// RepaymentMade is money paid into a credit line or loan account; the
// event's occurred_at is when it was paid.
type RepaymentMade struct {
	Account string `json:"account"`
	Amount  Money  `json:"amount"`
}

func (p *RepaymentMade) validate(v *validator, _ *Event) {
	v.id("account", p.Account)
	p.Amount.validate(v, "amount", false)
}

// LoanOriginated is an instalment loan paid out.
type LoanOriginated struct {
	Loan       string `json:"loan"`
	Principal  Money  `json:"principal"`
	TermMonths int    `json:"term_months"`
	RateBP     int    `json:"rate_bp"` // annual interest rate in basis points
}

func (p *LoanOriginated) validate(v *validator, _ *Event) {
	v.id("loan", p.Loan)
	p.Principal.validate(v, "principal", false)
	if p.TermMonths < 1 || p.TermMonths > 600 {
		v.add("term_months", "must be between 1 and 600")
	}
	if p.RateBP < 0 || p.RateBP > 100_000 {
		v.add("rate_bp", "must be between 0 and 100000 basis points")
	}
}

// LoanSettled is a loan repaid in full.
type LoanSettled struct {
	Loan string `json:"loan"`
}

func (p *LoanSettled) validate(v *validator, _ *Event) { v.id("loan", p.Loan) }

// LoanDefaulted declares a loan or credit line in default.
type LoanDefaulted struct {
	Loan        string `json:"loan"`
	Outstanding Money  `json:"outstanding"`
}

func (p *LoanDefaulted) validate(v *validator, _ *Event) {
	v.id("loan", p.Loan)
	p.Outstanding.validate(v, "outstanding", true)
}

// LoanWrittenOff is a lender giving up on collecting an amount.
type LoanWrittenOff struct {
	Loan   string `json:"loan"`
	Amount Money  `json:"amount"`
}

func (p *LoanWrittenOff) validate(v *validator, _ *Event) {
	v.id("loan", p.Loan)
	p.Amount.validate(v, "amount", true)
}

// PaymentMade is a payment transaction: money spent (debit) or received (credit).
type PaymentMade struct {
	Amount           Money  `json:"amount"`
	MerchantCategory string `json:"merchant_category"` // ISO 18245 code ("5411") or a name ("groceries")
	Channel          string `json:"channel"`
	Direction        string `json:"direction,omitempty"` // "debit" (default) or "credit"
}

func (p *PaymentMade) validate(v *validator, _ *Event) {
	p.Amount.validate(v, "amount", false)
	if p.MerchantCategory == "" || len(p.MerchantCategory) > 32 {
		v.add("merchant_category", "is required (an ISO 18245 code or a category name, at most 32 bytes)")
	}
	v.oneOf("channel", p.Channel, PaymentChannels)
	if p.Direction != "" {
		v.oneOf("direction", p.Direction, PaymentDirection)
	}
}

// BillIssued is a utility, phone or similar bill with its due date.
type BillIssued struct {
	Bill     string    `json:"bill"`
	Category string    `json:"category"`
	Amount   Money     `json:"amount"`
	DueAt    time.Time `json:"due_at"`
}

func (p *BillIssued) validate(v *validator, e *Event) {
	v.id("bill", p.Bill)
	v.oneOf("category", p.Category, BillCategories)
	p.Amount.validate(v, "amount", true)
	if p.DueAt.IsZero() {
		v.add("due_at", "is required")
	} else if p.DueAt.Before(e.OccurredAt) {
		v.add("due_at", "must not be before occurred_at (the bill date)")
	}
}

// BillPaid is a bill paid; the event's occurred_at is when.
type BillPaid struct {
	Bill   string `json:"bill"`
	Amount Money  `json:"amount"`
}

func (p *BillPaid) validate(v *validator, _ *Event) {
	v.id("bill", p.Bill)
	p.Amount.validate(v, "amount", true)
}

// RentalStarted is a deposit-free rental, bike ride or short stay begun.
type RentalStarted struct {
	Rental        string    `json:"rental"`
	Service       string    `json:"service"`
	DepositWaived Money     `json:"deposit_waived"`
	DueBackAt     time.Time `json:"due_back_at"`
}

func (p *RentalStarted) validate(v *validator, e *Event) {
	v.id("rental", p.Rental)
	v.oneOf("service", p.Service, RentalServices)
	p.DepositWaived.validate(v, "deposit_waived", true)
	if p.DueBackAt.IsZero() {
		v.add("due_back_at", "is required")
	} else if p.DueBackAt.Before(e.OccurredAt) {
		v.add("due_back_at", "must not be before occurred_at (the start)")
	}
}

// RentalReturned is the rented item returned (or the stay ended); occurred_at is when.
type RentalReturned struct {
	Rental string `json:"rental"`
}

func (p *RentalReturned) validate(v *validator, _ *Event) { v.id("rental", p.Rental) }

// RentalDamaged reports damage charged to the person.
type RentalDamaged struct {
	Rental string `json:"rental"`
	Amount Money  `json:"amount"`
}

func (p *RentalDamaged) validate(v *validator, _ *Event) {
	v.id("rental", p.Rental)
	p.Amount.validate(v, "amount", true)
}

// RentalUnpaid reports a rental fee or charge left unpaid.
type RentalUnpaid struct {
	Rental string `json:"rental"`
	Amount Money  `json:"amount"`
}

func (p *RentalUnpaid) validate(v *validator, _ *Event) {
	v.id("rental", p.Rental)
	p.Amount.validate(v, "amount", false)
}

// OrderPlaced is a try-before-buy order shipped before payment.
type OrderPlaced struct {
	Order string    `json:"order"`
	Value Money     `json:"value"`
	PayBy time.Time `json:"pay_by"`
}

func (p *OrderPlaced) validate(v *validator, e *Event) {
	v.id("order", p.Order)
	p.Value.validate(v, "value", false)
	if p.PayBy.IsZero() {
		v.add("pay_by", "is required")
	} else if p.PayBy.Before(e.OccurredAt) {
		v.add("pay_by", "must not be before occurred_at (the order date)")
	}
}

// OrderPaid is a try-before-buy order paid for; occurred_at is when.
type OrderPaid struct {
	Order  string `json:"order"`
	Amount Money  `json:"amount"`
}

func (p *OrderPaid) validate(v *validator, _ *Event) {
	v.id("order", p.Order)
	p.Amount.validate(v, "amount", false)
}

// OrderReturned is a try-before-buy order sent back (which is keeping the commitment).
type OrderReturned struct {
	Order string `json:"order"`
}

func (p *OrderReturned) validate(v *validator, _ *Event) { v.id("order", p.Order) }

// OrderUnpaid is a try-before-buy order neither paid nor returned in time.
type OrderUnpaid struct {
	Order  string `json:"order"`
	Amount Money  `json:"amount"`
}

func (p *OrderUnpaid) validate(v *validator, _ *Event) {
	v.id("order", p.Order)
	p.Amount.validate(v, "amount", false)
}

// CreditApplied is an application for credit that a lender checked the
// person's record for (a hard inquiry), approved or not. `application` is
// the lender's id for it: a second report of the same application counts
// once. A lender's own account reviews and a person checking their own
// score are no applications and must not be sent.
type CreditApplied struct {
	Application string `json:"application"`
	Product     string `json:"product"`
	Amount      *Money `json:"amount,omitempty"` // what was asked for, when the lender says
}

func (p *CreditApplied) validate(v *validator, _ *Event) {
	v.id("application", p.Application)
	v.oneOf("product", p.Product, CreditProducts)
	if p.Amount != nil {
		p.Amount.validate(v, "amount", false)
	}
}

// PublicRecordListed is a public record against the person: a court
// judgment, a listing as a dishonest debtor.
type PublicRecordListed struct {
	Record string `json:"record"`
	Type   string `json:"type"`
	Amount *Money `json:"amount,omitempty"`
}

func (p *PublicRecordListed) validate(v *validator, _ *Event) {
	v.id("record", p.Record)
	v.oneOf("type", p.Type, PublicRecords)
	if p.Amount != nil {
		p.Amount.validate(v, "amount", true)
	}
}

// PublicRecordCleared removes a public record (satisfied, expired, overturned).
type PublicRecordCleared struct {
	Record string `json:"record"`
}

func (p *PublicRecordCleared) validate(v *validator, _ *Event) { v.id("record", p.Record) }

// ConnectionVouched is another person vouching for this one. Both must have
// opted in; a source must not send it otherwise, and OptIn records that it checked.
type ConnectionVouched struct {
	Voucher string `json:"voucher"`
	OptIn   bool   `json:"opt_in"`
}

func (p *ConnectionVouched) validate(v *validator, e *Event) {
	v.id("voucher", p.Voucher)
	if p.Voucher == e.Person {
		v.add("voucher", "a person cannot vouch for themselves")
	}
	if !p.OptIn {
		v.add("opt_in", "must be true: connections are recorded only when both people opted in")
	}
}

// ConnectionWithdrawn is a vouch withdrawn by either side.
type ConnectionWithdrawn struct {
	Voucher string `json:"voucher"`
}

func (p *ConnectionWithdrawn) validate(v *validator, _ *Event) { v.id("voucher", p.Voucher) }

// validE164 reports whether s is + and 7 to 15 digits: an international
// phone number with nothing to normalise.
func validE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
