package feature

import (
	"math"
	"strconv"
	"strings"

	"github.com/sesame-credit/sesame"
)

// A reason code names one factor in plain words, the way a person reads it,
// and quotes the person's own value in its unit ("Your card balances are 45%
// of your limits"). Several catalogue features may measure one factor (the
// payment grid's five months are one factor: "payments overdue in recent
// months"); they share a code, and the score's reasons rank codes by the
// points their features lose together. Codes are stable: a code once
// published keeps its meaning, and a retired one is never reused.
// docs/reasons.md lists them with what the person can do.

// ReasonCode is one factor of the catalogue.
type ReasonCode struct {
	Code   string // "R01" …; stable
	Factor string // the factor, for docs and operators
	// Action says what the person can do about it (en, zh); "" when the
	// factor only improves with time.
	Action, ActionZH string
}

// reasonCodes lists every code, in code order. At most 40.
var reasonCodes = []ReasonCode{
	{"R01", "Length of credit history", "", ""},
	{"R02", "Payments past due now or in the last 3 months", "Pay at least the minimum on every statement by its due date.", "每期账单按时至少还最低还款额。"},
	{"R03", "Serious lateness in the last two years", "", ""},
	{"R04", "Number of payments 30, 60 or 90+ days late", "", ""},
	{"R05", "Payments overdue in recent months", "Keep every account current from now on.", "从现在起保持每个账户不逾期。"},
	{"R06", "Loans or credit lines in default", "", ""},
	{"R07", "Debts written off by a lender", "", ""},
	{"R08", "Public records not cleared", "Settle the judgment or arrears behind the record.", "清偿记录所涉的判决或欠款。"},
	{"R09", "Share of minimum payments made on time", "Pay at least the minimum by every due date.", "每个还款日前至少还清最低还款额。"},
	{"R10", "Total credit limit", "", ""},
	{"R11", "Card balances compared with limits", "Pay card balances down.", "降低信用卡欠款。"},
	{"R12", "Statement balances", "", ""},
	{"R13", "Amounts repaid", "", ""},
	{"R14", "Share of statement balances repaid", "Pay more of each statement than the minimum.", "每期还款多于最低还款额。"},
	{"R15", "Statements paid in full", "Pay statements in full by their due date.", "到期前全额还清账单。"},
	{"R16", "Debt compared with income", "Reduce what you owe.", "减少负债。"},
	{"R17", "Income reported", "Report your income.", "申报您的收入。"},
	{"R18", "Income not verified", "Verify your income through payroll or tax records.", "通过工资或纳税记录核实收入。"},
	{"R19", "Assets reported", "Report assets you hold.", "申报您持有的资产。"},
	{"R20", "Number of loans open at once", "", ""},
	{"R21", "Deposit-free rentals completed", "", ""},
	{"R22", "Rentals returned late, damaged or unpaid", "Return rentals on time and in good condition.", "按时归还租赁物并保持完好。"},
	{"R23", "Try-before-buy orders completed", "", ""},
	{"R24", "Try-before-buy orders unpaid", "Pay or return outstanding orders.", "支付或退回未结订单。"},
	{"R25", "Regularity of payments", "Pay bills and repayments every month.", "每月按时缴费和还款。"},
	{"R26", "Steadiness of spending", "", ""},
	{"R27", "Bills paid late or overdue", "Pay every bill by its due date.", "每笔账单按期缴清。"},
	{"R28", "Recent activity", "", ""},
	{"R29", "Identity not verified", "Verify your identity.", "完成身份验证。"},
	{"R30", "Time in current employment", "", ""},
	{"R31", "Time at current address", "", ""},
	{"R32", "Time with current phone number", "", ""},
	{"R33", "Vouches from people in good standing", "", ""},
	{"R34", "Applications for credit in the last 6 months", "Apply for new credit only when you need it.", "仅在确有需要时申请新的信贷。"},
}

// InquiriesCode is the code of recent applications for credit, the one
// code a score may give as a fifth reason (sesame.ReasonInquiries).
const InquiriesCode = sesame.ReasonInquiries

// ReasonCodes returns the catalogue of reason codes, in code order.
func ReasonCodes() []ReasonCode { return append([]ReasonCode(nil), reasonCodes...) }

// reasonText is how one feature states its code: en and zh templates whose
// %s is the person's value in the feature's unit, and the sentences for a
// missing value.
type reasonText struct {
	code           string
	en, zh         string
	enNone, zhNone string
}

// reasonTexts holds every feature that can be a reason. A feature absent
// here (age, education) is never one.
var reasonTexts = [numFeatures]reasonText{
	fMonthsSinceFirstCreditLine: {"R01", "Your first credit line was opened %s months ago", "您的第一个信用账户开立于 %s 个月前", "No credit line on record", "没有信用账户记录"},
	fMonthsOfActivity:           {"R01", "Your record of activity is %s months long", "您的活动记录只有 %s 个月", "No activity on record", "没有活动记录"},
	fWorstDPD3m:                 {"R02", "A payment was %s days past due in the last 3 months", "近 3 个月内有还款逾期 %s 天", "No statements in the last 3 months", "近 3 个月没有账单"},
	fPaymentStatusNow:           {"R02", "Minimum payments overdue now: %s", "目前有 %s 期最低还款逾期未还", "No payment status reported", "没有还款状态记录"},
	fWorstDPD12m:                {"R03", "A payment was %s days past due in the last 12 months", "近 12 个月内有还款逾期 %s 天", "No statements in the last 12 months", "近 12 个月没有账单"},
	fWorstDPD24m:                {"R03", "A payment was %s days past due in the last 24 months", "近 24 个月内有还款逾期 %s 天", "No statements in the last 24 months", "近 24 个月没有账单"},
	fMonthsSinceLastDelinquency: {"R03", "Your last payment 30+ days late was %s months ago", "您最近一次逾期 30 天以上是在 %s 个月前", "No payment 30+ days late on record", "没有逾期 30 天以上的记录"},
	fEpisodes30DPD:              {"R04", "Payments 30+ days late: %s", "%s 笔还款逾期 30 天以上", "No statements on record", "没有账单记录"},
	fEpisodes60DPD:              {"R04", "Payments 60+ days late: %s", "%s 笔还款逾期 60 天以上", "No statements on record", "没有账单记录"},
	fEpisodes90DPD:              {"R04", "Payments 90+ days late: %s", "%s 笔还款逾期 90 天以上", "No statements on record", "没有账单记录"},
	fPaymentStatus1mAgo:         {"R05", "Minimum payments overdue one month ago: %s", "一个月前有 %s 期最低还款逾期", "No payment status one month ago", "一个月前没有还款状态记录"},
	fPaymentStatus2mAgo:         {"R05", "Minimum payments overdue two months ago: %s", "两个月前有 %s 期最低还款逾期", "No payment status two months ago", "两个月前没有还款状态记录"},
	fPaymentStatus3mAgo:         {"R05", "Minimum payments overdue three months ago: %s", "三个月前有 %s 期最低还款逾期", "No payment status three months ago", "三个月前没有还款状态记录"},
	fPaymentStatus4mAgo:         {"R05", "Minimum payments overdue four months ago: %s", "四个月前有 %s 期最低还款逾期", "No payment status four months ago", "四个月前没有还款状态记录"},
	fPaymentStatus5mAgo:         {"R05", "Minimum payments overdue five months ago: %s", "五个月前有 %s 期最低还款逾期", "No payment status five months ago", "五个月前没有还款状态记录"},
	fMonthsLateRecent6m:         {"R05", "%s of the last 6 months ended with a payment overdue", "近 6 个月中有 %s 个月月末存在逾期", "No payment status in the last 6 months", "近 6 个月没有还款状态记录"},
	fCreditApplications6m:       {"R34", "Applications for credit in the last 6 months: %s", "近 6 个月申请信贷 %s 次", "No applications for credit on record", "没有信贷申请记录"},
	fDefaults:                   {"R06", "Loans or credit lines in default: %s", "%s 笔贷款或信用账户违约", "No loans on record", "没有贷款记录"},
	fWriteOffs:                  {"R07", "Debts written off by a lender: %s", "%s 笔债务被贷款机构核销", "No loans on record", "没有贷款记录"},
	fPublicRecordsOpen:          {"R08", "Public records not yet cleared: %s", "%s 条公共记录尚未结清", "No public records on file", "没有公共记录"},
	fOnTimeRepaymentRatio:       {"R09", "%s of your minimum payments were made on time", "您按时还清最低还款额的比例为 %s", "No minimum payments due yet", "尚无到期的最低还款"},
	fCreditLimitTotal:           {"R10", "Your credit limits total %s", "您的信用额度合计 %s", "No open credit line", "没有未结清的信用账户"},
	fUtilisationNow:             {"R11", "Your card balances are %s of your limits", "您的信用卡欠款占额度的 %s", "No card balance reported", "没有信用卡欠款记录"},
	fUtilisationAvg6m:           {"R11", "Your card balances averaged %s of your limits over 6 months", "近 6 个月信用卡欠款平均占额度的 %s", "No card balances in the last 6 months", "近 6 个月没有信用卡欠款记录"},
	fStatementBalanceLast:       {"R12", "Your latest statements total %s", "您最近的账单合计 %s", "No statement on record", "没有账单记录"},
	fStatementBalanceAvg6m:      {"R12", "Your statements averaged %s a month over 6 months", "近 6 个月账单平均每月 %s", "No statements in the last 6 months", "近 6 个月没有账单"},
	fRepaidLastMonth:            {"R13", "You repaid %s last month", "您上月还款 %s", "No repayment last month", "上月没有还款"},
	fRepaidAvg6m:                {"R13", "You repaid %s a month on average over 6 months", "近 6 个月平均每月还款 %s", "No repayments in the last 6 months", "近 6 个月没有还款"},
	fRepaidToBilledRatio1m:      {"R14", "You repaid %s of last month's statement", "您上月还款占账单的 %s", "No statement to repay last month", "上月没有需还款的账单"},
	fRepaidToBilledRatio3m:      {"R14", "You repaid %s of your statements over 3 months", "近 3 个月还款占账单的 %s", "No statements to repay in the last 3 months", "近 3 个月没有需还款的账单"},
	fRepaidToBilledRatio6m:      {"R14", "You repaid %s of your statements over 6 months", "近 6 个月还款占账单的 %s", "No statements to repay in the last 6 months", "近 6 个月没有需还款的账单"},
	fPaidInFullShare6m:          {"R15", "%s of your statements in 6 months were paid in full", "近 6 个月全额还清的账单占 %s", "No statements in the last 6 months", "近 6 个月没有账单"},
	fDebtToIncome:               {"R16", "What you owe is %s times your monthly income", "您的负债是月收入的 %s 倍", "No income reported to compare debt with", "没有可与负债比较的收入记录"},
	fIncomeMonthly:              {"R17", "Your reported monthly income is %s", "您申报的月收入为 %s", "No income reported", "没有收入记录"},
	fIncomeVerified:             {"R18", "Your income is declared, not verified", "您的收入为自行申报，未经核实", "No income reported", "没有收入记录"},
	fAssetsTotal:                {"R19", "Your reported assets total %s", "您申报的资产合计 %s", "No assets reported", "没有资产记录"},
	fLoansActive:                {"R20", "Loans open at once: %s", "同时有 %s 笔未结清贷款", "No loans on record", "没有贷款记录"},
	fRentals:                    {"R21", "Deposit-free rentals taken: %s", "完成 %s 次免押租赁", "No deposit-free rentals on record", "没有免押租赁记录"},
	fRentalsOnTimeRatio:         {"R22", "%s of your rentals were returned on time, undamaged and paid", "按时完好归还并付清的租赁占 %s", "No finished rentals on record", "没有已完成的租赁记录"},
	fRentalsDamagedOrUnpaid:     {"R22", "Rentals damaged or left unpaid: %s", "%s 次租赁损坏或未付款", "No rentals on record", "没有租赁记录"},
	fOrders:                     {"R23", "Try-before-buy orders placed: %s", "下了 %s 笔先试后买订单", "No try-before-buy orders on record", "没有先试后买订单记录"},
	fOrdersKeptRatio:            {"R24", "%s of your try-before-buy orders were paid or returned in time", "按时支付或退回的先试后买订单占 %s", "No settled try-before-buy orders", "没有已结的先试后买订单"},
	fOrdersUnpaid:               {"R24", "Try-before-buy orders neither paid nor returned: %s", "%s 笔先试后买订单既未支付也未退回", "No try-before-buy orders on record", "没有先试后买订单记录"},
	fPaymentRegularity12m:       {"R25", "Payments in only %s of the last 12 months", "近 12 个月中只有 %s 的月份有付款", "No payments in the last 12 months", "近 12 个月没有付款"},
	fSpendingMonthlyAvg:         {"R26", "You spent %s a month on average over 6 months", "近 6 个月平均每月消费 %s", "No spending on record", "没有消费记录"},
	fSpendingStability6m:        {"R26", "Your monthly spending varies by %s", "您的月消费波动幅度为 %s", "No spending on record", "没有消费记录"},
	fBillsOnTimeRatio:           {"R27", "%s of your bills were paid by their due date", "按期缴清的账单占 %s", "No bills due in the last 24 months", "近 24 个月没有到期账单"},
	fBillsOverdueNow:            {"R27", "Bills overdue now: %s", "目前有 %s 笔账单逾期未缴", "No bills on record", "没有账单记录"},
	fDaysSinceLastActivity:      {"R28", "Your last recorded activity was %s days ago", "您最近一次活动在 %s 天前", "No activity on record", "没有活动记录"},
	fIdentityVerified:           {"R29", "Your identity is not verified", "您的身份尚未验证", "Your identity is not verified", "您的身份尚未验证"},
	fEmploymentYears:            {"R30", "Years in your current employment: %s", "现职工作 %s 年", "No employment reported", "没有就业记录"},
	fAddressYears:               {"R31", "Years at your current address: %s", "在现住址居住 %s 年", "No address history reported", "没有住址记录"},
	fPhoneYears:                 {"R32", "Years with your current phone number: %s", "使用现手机号 %s 年", "No phone history reported", "没有手机号记录"},
	fVouchesReceived:            {"R33", "Vouches received: %s", "收到 %s 个担保", "No vouches received", "没有收到担保"},
	fVouchersGoodStandingShare:  {"R33", "%s of the people vouching for you are in good standing", "为您担保的人中信用良好的占 %s", "No vouches received", "没有收到担保"},
}

// ReasonCodeOf is the reason code of the named feature, "" when the
// feature is never a reason (a sensitive attribute, or not in the
// catalogue).
func ReasonCodeOf(name string) string {
	if i := Index(name); i >= 0 {
		return reasonTexts[i].code
	}
	return ""
}

// FormatValue writes a feature's value in its unit as a person reads it,
// language-neutral: a ratio as a whole percentage ("45%"), counts, days and
// months whole, years to one decimal. "" for a missing value.
func FormatValue(name string, v float64) string { return FormatValueAt(Index(name), v) }

// FormatValueAt is FormatValue for the feature at position i of the vector
// (−1: not in the catalogue, written as a plain number): the score engine
// formats every reason it gives, so it looks the feature up once.
func FormatValueAt(i int, v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	unit := ""
	if i >= 0 && i < numFeatures {
		unit = catalogue[i].Unit
	}
	switch unit {
	case "ratio":
		if i == fDebtToIncome { // a multiple of monthly income
			return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
		}
		return strconv.FormatFloat(math.Round(v*100), 'f', -1, 64) + "%"
	case "years":
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	default:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
}

// Chinese reports whether a language tag asks for Simplified Chinese
// ("zh", "zh-CN", "zh-Hans"…); everything else reads English.
func Chinese(lang string) bool {
	l := strings.ToLower(strings.TrimSpace(lang))
	return l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_")
}

// ReasonSentence is the named feature's reason in lang, quoting value (from
// FormatValue; "" when missing). It is "" for a feature that is never a
// reason.
func ReasonSentence(name, value, lang string) string {
	return ReasonSentenceAt(Index(name), value, lang)
}

// ReasonSentenceAt is ReasonSentence for the feature at position i.
func ReasonSentenceAt(i int, value, lang string) string {
	if i < 0 || i >= numFeatures || reasonTexts[i].code == "" {
		return ""
	}
	rt := &reasonTexts[i]
	zh := Chinese(lang)
	// A payment status of 0 or below is a code, not a count: 0 is a balance
	// carried past the statement (the minimum paid), which costs points
	// but is not "0 payments overdue".
	if i == fPaymentStatusNow {
		if code, err := strconv.ParseFloat(value, 64); err == nil && code <= 0 {
			if zh {
				return paymentStatusZH[int(max(code, -2))]
			}
			return paymentStatusEN[int(max(code, -2))]
		}
	}
	switch {
	case value == "" && zh:
		return rt.zhNone
	case value == "":
		return rt.enNone
	case zh:
		return strings.Replace(rt.zh, "%s", value, 1)
	default:
		return strings.Replace(rt.en, "%s", value, 1)
	}
}

// paymentStatusEN and paymentStatusZH say payment status codes −2, −1 and 0
// (by code) in words.
var (
	paymentStatusEN = map[int]string{
		-2: "Nothing owed on your credit lines now",
		-1: "Your last statement was paid in full",
		0:  "Your last statement was not paid in full: a balance is carried",
	}
	paymentStatusZH = map[int]string{
		-2: "目前信用账户没有欠款",
		-1: "上期账单已全额还清",
		0:  "上期账单未全额还清，有余额结转",
	}
)

// tipZH holds each tip's Simplified Chinese wording; %s is the target in the
// feature's unit, as in the catalogue's English Tip.
var tipZH = [numFeatures]string{
	fWorstDPD3m:            "每期账单在到期日前至少还清最低还款额；近期逾期影响最大。",
	fPublicRecordsOpen:     "清偿公共记录所涉的判决或欠款，使其得以撤销。",
	fOnTimeRepaymentRatio:  "在今后几个月的每个还款日前至少还清最低还款额。",
	fPaymentStatusNow:      "还清逾期款项，再全额还清账单，使没有任何款项逾期。",
	fUtilisationNow:        "把信用卡欠款保持在额度的 %s 以内。",
	fUtilisationAvg6m:      "每个月都把信用卡欠款保持在额度的 %s 以内。",
	fRepaidToBilledRatio3m: "今后三个月每期账单全额还清。",
	fRepaidToBilledRatio6m: "今后六个月每期账单全额还清。",
	fMonthsLateRecent6m:    "今后六个月每个还款日前至少还清最低还款额。",
	fCreditApplications6m:  "仅在确有需要时申请新的信贷：每次申请满 6 个月后不再计入。",
	fDaysSinceLastActivity: "每月至少使用一次账户。",
	fMonthsOfActivity:      "保持账户开立并正常使用：一年后您的记录将长达 %s。",
	fOrders:                "完成先试后买订单，并按时付款或退货，累计达到 %s。",
	fRentals:               "完成免押金租赁，并按时归还，累计达到 %s。",
	fRepaidToBilledRatio1m: "每期还款多于最低还款额。",
	fPaidInFullShare6m:     "到期前全额还清账单。",
	fDebtToIncome:          "把负债降到月收入的 %s 倍。",
	fIncomeVerified:        "通过工资或纳税记录核实您的收入。",
	fRentalsOnTimeRatio:    "按时归还租赁物并保持完好。",
	fOrdersUnpaid:          "支付或退回未结的先试后买订单。",
	fPaymentRegularity12m:  "保持账户常用：每月缴费和还款。",
	fBillsOnTimeRatio:      "每笔账单按期缴清。",
	fBillsOverdueNow:       "缴清逾期账单。",
	fIdentityVerified:      "完成身份验证。",
}

// TipSentence is the named feature's tip in lang for the target value, the
// target quoted in the feature's unit ("Keep your card balances at 10%
// of your limits or less"). "" when the feature has no tip.
func TipSentence(name string, target float64, lang string) string {
	i := Index(name)
	if i < 0 || !catalogue[i].Actionable {
		return ""
	}
	s := catalogue[i].Tip
	if Chinese(lang) && tipZH[i] != "" {
		s = tipZH[i]
	}
	return strings.Replace(s, "%s", FormatValue(name, target), 1)
}

// Range is the span of values a feature can take, for checking what a
// person or operator asks a what-if about: a utilisation of −1 or 1e9 is no
// question the model can answer.
func Range(name string) (lo, hi float64, ok bool) {
	i := Index(name)
	if i < 0 {
		return 0, 0, false
	}
	switch name {
	case "utilisation_now", "utilisation_avg_6m":
		return 0, 10, true // balances can run past the limit, not ten times over
	case "debt_to_income":
		return 0, 1000, true
	case "spending_variability_6m":
		return 0, 100, true
	case "repaid_to_billed_ratio_1m", "repaid_to_billed_ratio_3m", "repaid_to_billed_ratio_6m":
		return 0, 100, true // repaying more than was billed is possible
	}
	for _, g := range paymentStatusFeatures {
		if g == i {
			return -2, 24, true
		}
	}
	switch catalogue[i].Unit {
	case "ratio", "code":
		return 0, 1, true
	case "count":
		return 0, 10_000, true
	case "days":
		return 0, 36_500, true
	case "months":
		return 0, 1_200, true
	case "years":
		return 0, 120, true
	default: // amounts, in major units
		return 0, 1e12, true
	}
}

// RangeText says a feature's range in the person's unit, for an error
// message: "0% to 1000%", "0 to 10000".
func RangeText(name string) string {
	lo, hi, ok := Range(name)
	if !ok {
		return ""
	}
	if i := Index(name); catalogue[i].Unit == "ratio" && name != "debt_to_income" {
		return FormatValue(name, lo) + " to " + FormatValue(name, hi) + " (" + strconv.FormatFloat(lo, 'g', -1, 64) + " to " + strconv.FormatFloat(hi, 'g', -1, 64) + ")"
	}
	return strconv.FormatFloat(lo, 'f', -1, 64) + " to " + strconv.FormatFloat(hi, 'f', -1, 64)
}

// IsAmount reports whether the named feature is an amount of money (in
// major units of the person's currency), which a reader writes with the
// currency ("CNY 2,945") rather than as the bare number FormatValue gives.
func IsAmount(name string) bool {
	i := Index(name)
	return i >= 0 && catalogue[i].Unit == "amount"
}
