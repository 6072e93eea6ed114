package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// The credit card approval data set (Kaggle; benchmark use only) pairs
// application records (income, education, family, employment, birth) with a
// monthly status panel per id: MONTHS_BALANCE 0 = the latest month, −1 the
// month before…; STATUS 0 = 1–29 days past due, 1 = 30–59, 2 = 60–89,
// 3 = 90–119, 4 = 120–149, 5 = 150+ or written off, C = paid off that month,
// X = no loan that month.
//
// The panel has no calendar dates: month 0 is placed at January 2020. Each
// run of delinquent months whose status rises one step a month is one
// statement, due (15 + 30·status) days before the end of the run's first
// month, left uncovered until the day after the run ends (never, if it runs
// to month 0); so the days past due that package feature derives at each
// month's end fall in the status's range. A month with status C is a
// statement paid before its due date. The point-in-time label of the data
// set (README: bad = 60+ days past due reached in the 12 months after the
// as-of month) is then `dataset build --as-of 2019-01-01 --horizon 12m
// --outcome dpd60`.
var (
	approvalMonth0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	// ApprovalAsOf is the suggested as-of date: MONTHS_BALANCE −12.
	ApprovalAsOf = approvalMonth0.AddDate(0, -12, 0)
	// ApprovalComplete is how far the panel goes (its watermark): the end
	// of month 0.
	ApprovalComplete = approvalMonth0.AddDate(0, 1, 0)
)

// ApprovalSource is the source name of imported credit card approval events.
const ApprovalSource = "kaggle-credit-approval"

// ApprovalStats counts what an import did.
type ApprovalStats struct {
	People  int // ids in both files
	Events  int
	Bad60   int // months with status 2 or worse
	Skipped int // status rows with an unknown status or an id without application
}

type approvalApp struct {
	sex, car, realty, incomeType, education, family string
	income                                          float64
	daysBirth, daysEmployed                         int
}

// ImportApproval reads both files and hands each person's events to emit, in id order.
func ImportApproval(applications, credits io.Reader, emit func(person string, events []sesame.Event) error) (ApprovalStats, error) {
	var st ApprovalStats
	apps, err := readApplications(applications)
	if err != nil {
		return st, err
	}
	months := map[string]map[int]byte{}
	cr := csv.NewReader(credits)
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		return st, fmt.Errorf("credit_record: reading the header: %w", err)
	}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil || len(rec) < 3 {
			return st, fmt.Errorf("credit_record: line %d: malformed", line)
		}
		id := strings.TrimSpace(rec[0])
		mb, err := strconv.Atoi(strings.TrimSpace(rec[1]))
		s := strings.TrimSpace(rec[2])
		if _, ok := apps[id]; !ok || err != nil || mb > 0 || mb < -600 || len(s) != 1 || !strings.Contains("012345CX", s) {
			st.Skipped++
			continue
		}
		m := months[id]
		if m == nil {
			m = map[int]byte{}
			months[id] = m
		}
		m[mb] = s[0]
	}
	ids := make([]string, 0, len(months))
	for id := range months {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		evs, bad := approvalEvents(id, apps[id], months[id])
		st.People++
		st.Events += len(evs)
		st.Bad60 += bad
		if err := emit(evs[0].Person, evs); err != nil {
			return st, err
		}
	}
	return st, nil
}

func readApplications(r io.Reader) (map[string]*approvalApp, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("application_record: reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, c := range []string{"ID", "CODE_GENDER", "FLAG_OWN_CAR", "FLAG_OWN_REALTY", "AMT_INCOME_TOTAL", "NAME_INCOME_TYPE", "NAME_EDUCATION_TYPE", "NAME_FAMILY_STATUS", "DAYS_BIRTH", "DAYS_EMPLOYED"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("application_record: column %q is missing", c)
		}
	}
	apps := map[string]*approvalApp{}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return apps, nil
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("application_record: line %d: %w", line, err)
		}
		id := strings.TrimSpace(rec[col["ID"]])
		if _, dup := apps[id]; dup || !sesame.ValidID("cca-"+id) {
			continue // the first application of an id wins
		}
		a := &approvalApp{sex: rec[col["CODE_GENDER"]], car: rec[col["FLAG_OWN_CAR"]], realty: rec[col["FLAG_OWN_REALTY"]],
			incomeType: rec[col["NAME_INCOME_TYPE"]], education: rec[col["NAME_EDUCATION_TYPE"]], family: rec[col["NAME_FAMILY_STATUS"]]}
		a.income, _ = strconv.ParseFloat(rec[col["AMT_INCOME_TOTAL"]], 64)
		a.daysBirth, _ = strconv.Atoi(rec[col["DAYS_BIRTH"]])
		a.daysEmployed, _ = strconv.Atoi(rec[col["DAYS_EMPLOYED"]])
		apps[id] = a
	}
}

func approvalEvents(id string, a *approvalApp, status map[int]byte) (events []sesame.Event, bad int) {
	person := "cca-" + id
	account := "card"
	cny := func(minor int64) sesame.Money { return sesame.Money{Amount: minor, Currency: "CNY"} }
	first, last := 0, -600
	for mb := range status {
		first, last = min(first, mb), max(last, mb)
	}
	monthStart := func(mb int) time.Time { return approvalMonth0.AddDate(0, mb, 0) }
	var seq int
	add := func(at time.Time, kind sesame.Kind, p sesame.Payload) {
		seq++
		events = append(events, sesame.Event{Version: sesame.EnvelopeVersion, Source: ApprovalSource,
			ID: fmt.Sprintf("%s-%04d", person, seq), Person: person, Kind: kind, OccurredAt: at, Payload: p})
	}
	opened := monthStart(first)
	idf := &sesame.IdentityReported{Protected: map[string]string{}}
	if by := opened.AddDate(0, 0, a.daysBirth).Year(); a.daysBirth < 0 && by >= 1900 && by <= opened.Year()-14 {
		idf.BirthYear = by
	}
	switch a.education {
	case "Academic degree":
		idf.Education = "master"
	case "Higher education":
		idf.Education = "bachelor"
	case "Incomplete higher", "Secondary / secondary special":
		idf.Education = "secondary"
	case "Lower secondary":
		idf.Education = "primary"
	}
	switch {
	case a.daysEmployed < 0:
		idf.Employment = "employed"
		since := opened.AddDate(0, 0, a.daysEmployed)
		idf.EmployedSince = &since
	case a.incomeType == "Pensioner":
		idf.Employment = "retired"
	case a.incomeType == "Student":
		idf.Employment = "student"
	default:
		idf.Employment = "unemployed"
	}
	switch a.family {
	case "Married", "Civil marriage":
		idf.MaritalStatus = "married"
	case "Single / not married":
		idf.MaritalStatus = "single"
	case "Separated":
		idf.MaritalStatus = "divorced"
	case "Widow":
		idf.MaritalStatus = "widowed"
	}
	switch a.sex {
	case "M":
		idf.Protected["sex"] = "male"
	case "F":
		idf.Protected["sex"] = "female"
	}
	add(opened, sesame.KindIdentityReported, idf)
	monthlyIncome := int64(a.income / 12 * 100)
	if monthlyIncome > 0 {
		add(opened, sesame.KindIncomeReported, &sesame.IncomeReported{Monthly: cny(monthlyIncome)})
	}
	if a.realty == "Y" {
		add(opened, sesame.KindAssetReported, &sesame.AssetReported{Asset: "property", Value: cny(0)})
	}
	if a.car == "Y" {
		add(opened, sesame.KindAssetReported, &sesame.AssetReported{Asset: "vehicle", Value: cny(0)})
	}
	limit := max(monthlyIncome, 100_000)
	add(opened, sesame.KindCreditLineOpened, &sesame.CreditLineOpened{Account: account, Type: "credit_card", Limit: cny(limit)})

	// Statements with their cure times; minimums are set afterwards so that
	// each is covered exactly by its own repayment.
	type plan struct {
		issued, due, cure time.Time // zero cure: never covered
	}
	var plans []plan
	open := -1 // index of the statement of the current delinquency run
	prev := -1 // status of the previous month in the run
	for mb := first; mb <= last; mb++ {
		s, ok := status[mb]
		endOfMonth := monthStart(mb + 1)
		if ok && s >= '0' && s <= '5' {
			lvl := int(s - '0')
			if lvl >= 2 {
				bad++
			}
			if open >= 0 && lvl == prev+1 {
				prev = lvl // the same statement, one month later
				continue
			}
			if open >= 0 {
				plans[open].cure = endOfMonth.AddDate(0, -1, 1)
			}
			due := endOfMonth.AddDate(0, 0, -(15 + 30*lvl))
			issued := due.AddDate(0, 0, -20)
			plans = append(plans, plan{issued: issued, due: due})
			open, prev = len(plans)-1, lvl
			continue
		}
		if open >= 0 {
			plans[open].cure = monthStart(mb).AddDate(0, 0, 1)
			open, prev = -1, -1
		}
		if ok && s == 'C' {
			start := monthStart(mb)
			plans = append(plans, plan{issued: start, due: start.AddDate(0, 0, 19), cure: start.AddDate(0, 0, 9)})
		}
	}
	// Each covered statement gets one repayment of a nominal amount at its
	// cure; its minimum is what was repaid since it was issued, up to and
	// including that repayment, so no earlier repayment covers it.
	const nominal = 50_000 // 500 CNY
	var repays []time.Time
	for _, p := range plans {
		if !p.cure.IsZero() {
			repays = append(repays, p.cure)
		}
	}
	sort.Slice(repays, func(i, j int) bool { return repays[i].Before(repays[j]) })
	for _, p := range plans {
		var cum int64
		for _, r := range repays {
			if r.Before(p.issued) {
				continue
			}
			if p.cure.IsZero() || !r.After(p.cure) {
				cum += nominal
			}
		}
		minDue := cum
		if p.cure.IsZero() {
			minDue = cum + nominal // never covered
		}
		add(p.issued, sesame.KindStatementIssued, &sesame.StatementIssued{Account: account, Balance: cny(minDue), MinimumDue: cny(minDue), DueAt: p.due})
	}
	for _, r := range repays {
		add(r, sesame.KindRepaymentMade, &sesame.RepaymentMade{Account: account, Amount: cny(nominal)})
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].OccurredAt.Before(events[j].OccurredAt) })
	return events, bad
}
