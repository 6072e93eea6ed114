// Package feature computes a person's credit profile — the numbers a model
// scores — from their events as of a time, in five dimensions.
//
// A feature as of T uses only events that occurred before T and were recorded
// before T (see Visible), so a training row never looks ahead of its as-of
// date and a score never uses what the ledger did not yet know. The same State,
// folded event by event, serves online scoring (rescoring after one new event
// costs one Apply and one Features call) and training-set builds (package
// cmd/sesame's `dataset build`), so the two can never drift apart.
//
// Missing values are NaN: "has no credit line" is not "has a credit line of
// age zero", and the model gives missing values a bin of their own. Protected
// attributes (IdentityReported.Protected, e.g. sex) are never read here.
//
// The package is pure: no files, no network, no clock.
package feature

import "github.com/sesame-credit/sesame"

// Direction says which way a feature moves a person's standing; the model may
// use it as a monotone constraint, and reasons use it to phrase what went wrong.
type Direction int

const (
	// Neutral features have no fixed direction (e.g. age, spending level).
	Neutral Direction = 0
	// HigherIsBetter features raise the score as they grow (e.g. months of history).
	HigherIsBetter Direction = 1
	// HigherIsWorse features lower the score as they grow (e.g. days past due).
	HigherIsWorse Direction = -1
)

// Definition describes one feature of the catalogue: what a person, an
// operator and the model trainer need to know about it.
type Definition struct {
	Name        string           // snake_case, stable: model artifacts refer to it
	Dimension   sesame.Dimension // the one dimension it belongs to
	Description string           // what it measures, for people
	Direction   Direction
	Reason      string // shown when the feature costs the person points
	Actionable  bool   // the person can change it by their own action
	Tip         string // what to do, when Actionable; %s is the target value
	Unit        string // "months", "days", "ratio", "count", "amount" (major units), "code"
}

// Sensitive names the attribute a feature reveals when it is one the
// platform treats with care — age, education, marital status, employment
// type: such a feature is no model input unless the operator allows the
// attribute (`model train --allow age`), and never a reason. "" otherwise.
func (d Definition) Sensitive() string { return sensitive[d.Name] }

var sensitive = map[string]string{"age_years": "age", "education_level": "education"}

// SensitiveAttributes are the attributes `model train --allow` accepts.
// Marital status and employment type are not catalogue features today;
// they are listed so that allowing them is recorded rather than refused.
var SensitiveAttributes = []string{"age", "education", "marital_status", "employment_type"}

// ElderAge is the age from which a person never gets fewer points for age
// than any younger person, where age is allowed (Reg B 1002.6(b)(2)(ii)).
const ElderAge = 62

// NoPairs says the feature takes part in no pair term: identity and
// connections facts must not change how the rest of a record counts.
func (d Definition) NoPairs() bool {
	return d.Dimension == sesame.Identity || d.Dimension == sesame.Connections
}

// Free says why a feature has no declared direction; "" when it has one.
func (d Definition) Free() string {
	if d.Direction != Neutral {
		return ""
	}
	if why, ok := freeBecause[d.Name]; ok {
		return why
	}
	return "no direction declared"
}

var freeBecause = map[string]string{
	"credit_limit_total":       "a high limit shows a lender's trust but also room for debt: no fixed direction",
	"statement_balance_last":   "a balance is risk only against limits and income (utilisation, debt to income)",
	"statement_balance_avg_6m": "a balance is risk only against limits and income (utilisation, debt to income)",
	"spending_monthly_avg":     "spending is neither good nor bad in itself",
	"age_years":                "age has no fixed direction; where allowed, 62 and over never loses points",
}

// NeutralWhenMissing says that the feature's absence is no evidence: the
// connections dimension is opt-in, so a person without vouches is scored as
// the average person there and is never told "few vouches" (the model
// anchors such a feature's missing bin at zero and keeps it out of pairs).
func (d Definition) NeutralWhenMissing() bool { return d.Dimension == sesame.Connections }

// Feature positions in the vector Features returns. The order is the
// catalogue's order and never changes within a release: model artifacts map
// names, but a fixed order lets the hot path write by index.
const (
	// credit_history
	fMonthsSinceFirstCreditLine = iota
	fWorstDPD3m
	fWorstDPD12m
	fWorstDPD24m
	fEpisodes30DPD
	fEpisodes60DPD
	fEpisodes90DPD
	fMonthsSinceLastDelinquency
	fDefaults
	fWriteOffs
	fPublicRecordsOpen
	fOnTimeRepaymentRatio
	fPaymentStatusNow
	fPaymentStatus1mAgo
	fPaymentStatus2mAgo
	fPaymentStatus3mAgo
	fPaymentStatus4mAgo
	fPaymentStatus5mAgo
	fMonthsLateRecent6m
	fCreditApplications6m
	// fulfilment
	fCreditLimitTotal
	fUtilisationNow
	fUtilisationAvg6m
	fStatementBalanceLast
	fStatementBalanceAvg6m
	fRepaidLastMonth
	fRepaidAvg6m
	fRepaidToBilledRatio1m
	fRepaidToBilledRatio3m
	fRepaidToBilledRatio6m
	fPaidInFullShare6m
	fDebtToIncome
	fIncomeMonthly
	fIncomeVerified
	fAssetsTotal
	fLoansActive
	fRentals
	fRentalsOnTimeRatio
	fRentalsDamagedOrUnpaid
	fOrders
	fOrdersKeptRatio
	fOrdersUnpaid
	// behaviour
	fPaymentRegularity12m
	fSpendingMonthlyAvg
	fSpendingStability6m
	fBillsOnTimeRatio
	fBillsOverdueNow
	fDaysSinceLastActivity
	fMonthsOfActivity
	// identity
	fIdentityVerified
	fAgeYears
	fEducationLevel
	fEmploymentYears
	fAddressYears
	fPhoneYears
	// connections
	fVouchesReceived
	fVouchersGoodStandingShare

	numFeatures
)

// paymentStatusFeatures are the six points of the payment grid, newest first.
var paymentStatusFeatures = [6]int{fPaymentStatusNow, fPaymentStatus1mAgo, fPaymentStatus2mAgo, fPaymentStatus3mAgo, fPaymentStatus4mAgo, fPaymentStatus5mAgo}

const gridHelp = " Codes: −2 nothing owed, −1 last statement paid in full, 0 current, k ≥ 1 = k minimum payments missed and still unpaid."

var catalogue = [numFeatures]Definition{
	fMonthsSinceFirstCreditLine: {"months_since_first_credit_line", sesame.CreditHistory, "Months since the first credit line was opened.", HigherIsBetter, "Short credit history", false, "", "months"},
	fWorstDPD3m:                 {"worst_dpd_3m", sesame.CreditHistory, "Most days past due on any statement in the last 3 months.", HigherIsWorse, "Recent payments past due", true, "Pay at least the minimum on every statement by its due date; recent lateness weighs most.", "days"},
	fWorstDPD12m:                {"worst_dpd_12m", sesame.CreditHistory, "Most days past due on any statement in the last 12 months.", HigherIsWorse, "Payments past due in the last year", false, "", "days"},
	fWorstDPD24m:                {"worst_dpd_24m", sesame.CreditHistory, "Most days past due on any statement in the last 24 months.", HigherIsWorse, "Payments past due in the last two years", false, "", "days"},
	fEpisodes30DPD:              {"episodes_30dpd", sesame.CreditHistory, "Statements ever paid 30 or more days late (or still unpaid 30 days after the due date).", HigherIsWorse, "Payments 30+ days late", false, "", "count"},
	fEpisodes60DPD:              {"episodes_60dpd", sesame.CreditHistory, "Statements ever paid 60 or more days late.", HigherIsWorse, "Payments 60+ days late", false, "", "count"},
	fEpisodes90DPD:              {"episodes_90dpd", sesame.CreditHistory, "Statements ever paid 90 or more days late.", HigherIsWorse, "Payments 90+ days late", false, "", "count"},
	fMonthsSinceLastDelinquency: {"months_since_last_delinquency", sesame.CreditHistory, "Months since a statement was last 30+ days past due; 0 while one is; missing if never.", HigherIsBetter, "Recent serious delinquency", false, "", "months"},
	fDefaults:                   {"defaults", sesame.CreditHistory, "Loans or credit lines declared in default.", HigherIsWorse, "A loan or credit line in default", false, "", "count"},
	fWriteOffs:                  {"write_offs", sesame.CreditHistory, "Amounts a lender wrote off as uncollectable.", HigherIsWorse, "A debt written off by a lender", false, "", "count"},
	fPublicRecordsOpen:          {"public_records_open", sesame.CreditHistory, "Public records (court judgments, dishonest-debtor listings) not yet cleared.", HigherIsWorse, "Public record listed against you", true, "Settle the judgment or arrears behind the public record so that it is cleared.", "count"},
	fOnTimeRepaymentRatio:       {"on_time_repayment_ratio", sesame.CreditHistory, "Share of statements whose minimum was paid by the due date.", HigherIsBetter, "Minimum payments missed", true, "Keep paying at least the minimum by every due date for the coming months.", "ratio"},
	fPaymentStatusNow:           {"payment_status_now", sesame.CreditHistory, "Status of credit lines now." + gridHelp, HigherIsWorse, "Minimum payments overdue now", true, "Pay what is overdue and then the statement balance in full, so that nothing is owed past its due date.", "code"},
	fPaymentStatus1mAgo:         {"payment_status_1m_ago", sesame.CreditHistory, "Status of credit lines one month ago." + gridHelp, HigherIsWorse, "Payments overdue last month", false, "", "code"},
	fPaymentStatus2mAgo:         {"payment_status_2m_ago", sesame.CreditHistory, "Status of credit lines two months ago." + gridHelp, HigherIsWorse, "Payments overdue two months ago", false, "", "code"},
	fPaymentStatus3mAgo:         {"payment_status_3m_ago", sesame.CreditHistory, "Status of credit lines three months ago." + gridHelp, HigherIsWorse, "Payments overdue three months ago", false, "", "code"},
	fPaymentStatus4mAgo:         {"payment_status_4m_ago", sesame.CreditHistory, "Status of credit lines four months ago." + gridHelp, HigherIsWorse, "Payments overdue four months ago", false, "", "code"},
	fPaymentStatus5mAgo:         {"payment_status_5m_ago", sesame.CreditHistory, "Status of credit lines five months ago." + gridHelp, HigherIsWorse, "Payments overdue five months ago", false, "", "code"},
	fMonthsLateRecent6m:         {"months_late_recent_6m", sesame.CreditHistory, "Of the last six month-ends, how many found a minimum payment overdue.", HigherIsWorse, "Several recent months with overdue payments", true, "Pay at least the minimum by every due date for six months.", "count"},
	fCreditApplications6m:       {"credit_applications_6m", sesame.CreditHistory, "Applications for credit (hard inquiries) in the last 6 months; 0 when none is on record.", HigherIsWorse, "Many recent applications for credit", true, "Apply for new credit only when you need it: each application stops counting 6 months after you made it.", "count"},

	fCreditLimitTotal:       {"credit_limit_total", sesame.Fulfilment, "Total limit of open credit lines.", Neutral, "Low total credit limit", false, "", "amount"},
	fUtilisationNow:         {"utilisation_now", sesame.Fulfilment, "Latest statement balances as a share of credit limits.", HigherIsWorse, "High use of credit limits", true, "Keep your card balances at %s of your limits or less.", "ratio"},
	fUtilisationAvg6m:       {"utilisation_avg_6m", sesame.Fulfilment, "Average statement balance as a share of the limit over the last 6 months.", HigherIsWorse, "High use of credit limits over recent months", true, "Keep your card balances at %s of your limits or less, month after month.", "ratio"},
	fStatementBalanceLast:   {"statement_balance_last", sesame.Fulfilment, "Balance of the latest statements, summed over credit lines.", Neutral, "High statement balance", false, "", "amount"},
	fStatementBalanceAvg6m:  {"statement_balance_avg_6m", sesame.Fulfilment, "Average monthly statement balance over the last 6 months.", Neutral, "High statement balances", false, "", "amount"},
	fRepaidLastMonth:        {"repaid_last_month", sesame.Fulfilment, "Amount repaid to credit lines in the last month.", HigherIsBetter, "Little repaid last month", false, "", "amount"},
	fRepaidAvg6m:            {"repaid_avg_6m", sesame.Fulfilment, "Average amount repaid per month over the last 6 months.", HigherIsBetter, "Little repaid in recent months", false, "", "amount"},
	fRepaidToBilledRatio1m:  {"repaid_to_billed_ratio_1m", sesame.Fulfilment, "Amount repaid last month over the balance of the statement before.", HigherIsBetter, "Paid only part of the last statement", true, "Pay more of each statement's balance than the minimum.", "ratio"},
	fRepaidToBilledRatio3m:  {"repaid_to_billed_ratio_3m", sesame.Fulfilment, "Amount repaid in the last 3 months over the statement balances before them.", HigherIsBetter, "Paid only part of recent statements", true, "Pay each statement in full for the next three months.", "ratio"},
	fRepaidToBilledRatio6m:  {"repaid_to_billed_ratio_6m", sesame.Fulfilment, "Amount repaid in the last 6 months over the statement balances before them.", HigherIsBetter, "Paid only part of statements this half-year", true, "Pay each statement in full for the next six months.", "ratio"},
	fPaidInFullShare6m:      {"paid_in_full_share_6m", sesame.Fulfilment, "Share of the last 6 months' statements paid in full by their due date.", HigherIsBetter, "Statements rarely paid in full", true, "Pay statements in full by their due date.", "ratio"},
	fDebtToIncome:           {"debt_to_income", sesame.Fulfilment, "Card balances and open loan principal over monthly income.", HigherIsWorse, "High debt compared with income", true, "Reduce what you owe to %s times your monthly income.", "ratio"},
	fIncomeMonthly:          {"income_monthly", sesame.Fulfilment, "Latest reported monthly income.", HigherIsBetter, "Low or unreported income", false, "", "amount"},
	fIncomeVerified:         {"income_verified", sesame.Fulfilment, "1 when the latest income was verified from payroll or tax records, 0 when declared.", HigherIsBetter, "Income not verified", true, "Verify your income through payroll or tax records.", "code"},
	fAssetsTotal:            {"assets_total", sesame.Fulfilment, "Value of reported assets (latest value per asset type).", HigherIsBetter, "Few assets reported", false, "", "amount"},
	fLoansActive:            {"loans_active", sesame.Fulfilment, "Instalment loans paid out and not yet settled, defaulted or written off.", HigherIsWorse, "Many loans open at once", false, "", "count"},
	fRentals:                {"rentals", sesame.Fulfilment, "Deposit-free rentals, bike rides and short stays taken.", HigherIsBetter, "Few deposit-free rentals completed", true, "Complete deposit-free rentals and return each on time, to %s in all.", "count"},
	fRentalsOnTimeRatio:     {"rentals_on_time_ratio", sesame.Fulfilment, "Share of finished rentals returned by the due time, undamaged and paid.", HigherIsBetter, "Rentals returned late, damaged or unpaid", true, "Return rentals on time and in good condition.", "ratio"},
	fRentalsDamagedOrUnpaid: {"rentals_damaged_or_unpaid", sesame.Fulfilment, "Rentals with damage charged or fees left unpaid.", HigherIsWorse, "Rental damaged or left unpaid", false, "", "count"},
	fOrders:                 {"orders", sesame.Fulfilment, "Try-before-buy orders placed.", HigherIsBetter, "Few try-before-buy orders completed", true, "Complete try-before-buy orders and pay for or return each on time, to %s in all.", "count"},
	fOrdersKeptRatio:        {"orders_kept_ratio", sesame.Fulfilment, "Share of settled try-before-buy orders that were paid or returned in time.", HigherIsBetter, "Try-before-buy orders left unpaid", false, "", "ratio"},
	fOrdersUnpaid:           {"orders_unpaid", sesame.Fulfilment, "Try-before-buy orders neither paid nor returned.", HigherIsWorse, "Try-before-buy order unpaid", true, "Pay or return outstanding try-before-buy orders.", "count"},

	fPaymentRegularity12m:  {"payment_regularity_12m", sesame.Behaviour, "Share of the last 12 months with at least one payment, repayment or bill paid.", HigherIsBetter, "Irregular payment activity", true, "Use your account regularly: pay bills and repayments every month.", "ratio"},
	fSpendingMonthlyAvg:    {"spending_monthly_avg", sesame.Behaviour, "Average monthly spending over the last 6 months.", Neutral, "Spending level", false, "", "amount"},
	fSpendingStability6m:   {"spending_variability_6m", sesame.Behaviour, "How much monthly spending varies over 6 months (coefficient of variation; 0 = steady).", HigherIsWorse, "Unsteady monthly spending", false, "", "ratio"},
	fBillsOnTimeRatio:      {"bills_on_time_ratio", sesame.Behaviour, "Share of bills due in the last 24 months paid by the due date.", HigherIsBetter, "Bills paid late", true, "Pay every bill by its due date.", "ratio"},
	fBillsOverdueNow:       {"bills_overdue_now", sesame.Behaviour, "Bills past their due date and still unpaid.", HigherIsWorse, "Bills overdue now", true, "Pay your overdue bills.", "count"},
	fDaysSinceLastActivity: {"days_since_last_activity", sesame.Behaviour, "Days since the latest recorded activity of any kind.", HigherIsWorse, "No recent activity", true, "Use your account at least once a month.", "days"},
	fMonthsOfActivity:      {"months_of_activity", sesame.Behaviour, "Months since the first recorded activity.", HigherIsBetter, "Short record of activity", true, "Keep your accounts open and in use: in a year your record will be %s long.", "months"},

	fIdentityVerified: {"identity_verified", sesame.Identity, "1 when identity was verified, 0 when reported as not verified.", HigherIsBetter, "Identity not verified", true, "Verify your identity.", "code"},
	fAgeYears:         {"age_years", sesame.Identity, "Age in years, from the birth year.", Neutral, "Age band", false, "", "years"},
	fEducationLevel:   {"education_level", sesame.Identity, "Highest education: 0 none, 1 primary, 2 secondary, 3 vocational, 4 bachelor, 5 master, 6 doctorate.", HigherIsBetter, "Education", false, "", "code"},
	fEmploymentYears:  {"employment_years", sesame.Identity, "Years in the current employment; 0 when not employed.", HigherIsBetter, "Short employment", false, "", "years"},
	fAddressYears:     {"address_years", sesame.Identity, "Years at the current address.", HigherIsBetter, "Recent change of address", false, "", "years"},
	fPhoneYears:       {"phone_years", sesame.Identity, "Years with the current phone number.", HigherIsBetter, "Recent change of phone number", false, "", "years"},

	fVouchesReceived:           {"vouches_received", sesame.Connections, "Opt-in vouches received and not withdrawn; missing when none (neutral).", HigherIsBetter, "Few vouches", false, "", "count"},
	fVouchersGoodStandingShare: {"vouchers_good_standing_share", sesame.Connections, "Share of the people vouching for you who are in good standing; missing without vouches or without a good-standing list (neutral).", HigherIsBetter, "Vouchers not in good standing", false, "", "ratio"},
}

// Catalogue returns every feature definition, in vector order.
func Catalogue() []Definition {
	out := make([]Definition, numFeatures)
	copy(out, catalogue[:])
	return out
}

var names = func() []string {
	n := make([]string, numFeatures)
	for i, d := range catalogue {
		n[i] = d.Name
	}
	return n
}()

// Names returns the feature names in vector order. The slice is shared: do not modify it.
func Names() []string { return names }

// Len is the length of a feature vector.
func Len() int { return numFeatures }

// Index returns the position of the named feature, or -1.
func Index(name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// Lookup returns the definition of the named feature.
func Lookup(name string) (Definition, bool) {
	if i := Index(name); i >= 0 {
		return catalogue[i], true
	}
	return Definition{}, false
}

// Dimensions maps every feature to its dimension, for the model trainer
// (model.Catalogue) and for dimension sub-scores.
func Dimensions() map[string]sesame.Dimension {
	m := make(map[string]sesame.Dimension, numFeatures)
	for _, d := range catalogue {
		m[d.Name] = d.Dimension
	}
	return m
}

// Monotone returns, per feature with a direction, +1 when more is better and
// −1 when more is worse: the model's monotone constraints in points. Grid
// codes (payment_status_*) are included; their −2/−1 codes are both "good".
func Monotone() map[string]int {
	m := map[string]int{}
	for _, d := range catalogue {
		if d.Direction != Neutral {
			m[d.Name] = int(d.Direction)
		}
	}
	return m
}

// Vector is a feature vector in catalogue order.
type Vector []float64

// Map returns the vector as name → value, leaving out missing (NaN) values.
func (v Vector) Map() map[string]float64 {
	m := make(map[string]float64, len(v))
	for i, x := range v {
		if i < len(names) && x == x {
			m[names[i]] = x
		}
	}
	return m
}
