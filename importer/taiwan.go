// Package importer converts public credit data sets into ledger events, so
// that real data travels the same path as live data: events → features →
// model. Converters read from an io.Reader and hand events to a callback;
// they open no files and touch no store.
package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// The Taiwan data set (Default of Credit Card Clients, I-Cheng Yeh, UCI, CC
// BY 4.0) is a six-month panel of one card per person, April–September 2005,
// with the default outcome of the following month.
//
// Timing, which makes the payment status derived by package feature equal
// the table's PAY_x (−2/−1/0 → current, k → k minimum payments missed):
//   - month m (0 = April … 5 = September) has statement BILL_AMT(6−m), issued
//     on the 28th of m, normally due on the 15th of m+1 — so it is paid by
//     PAY_AMT of month m+1, paid on the 10th ("PAY_AMT1 is paid in September
//     towards the August statement");
//   - PAY_x of month m is the status at the end of m, i.e. at 00:00 on the 1st
//     of m+1; the data set's as-of time is 1 October 2005;
//   - a status k means k statements past due with their minimum uncovered.
//     Each statement's minimum is chosen so that the repayments since it
//     cover it exactly when the status says it was settled; a status that
//     jumps by two in one month (the data set often goes 0 → 2) is a
//     statement due within its own month (on the 28th, 12:00) as well as the
//     previous one; a status k > 1 in April implies k − 1 statements before
//     March, which are added with April's balance; where the table settles
//     arrears in a month whose PAY_AMT is 0, a token repayment of one minor
//     unit (NT$0.01) stands for the settlement it implies.
var (
	TaiwanAsOf    = time.Date(2005, 10, 1, 0, 0, 0, 0, time.UTC)
	taiwanMonth0  = time.Date(2005, 4, 1, 0, 0, 0, 0, time.UTC) // April 2005
	TaiwanDefault = time.Date(2005, 10, 31, 0, 0, 0, 0, time.UTC)
	// TaiwanComplete is how far the data set's record goes (its watermark):
	// the end of October 2005, the month whose default it gives.
	TaiwanComplete = time.Date(2005, 11, 1, 0, 0, 0, 0, time.UTC)
)

// TaiwanSource is the source name of imported Taiwan events.
const TaiwanSource = "uci-taiwan"

// TaiwanStats counts what an import did.
type TaiwanStats struct {
	Rows        int
	Events      int
	Defaults    int
	Adjusted    int // statements whose balance was raised to their minimum (the table's bill was smaller)
	Tokens      int // token repayments (one minor unit) where the table settles arrears in a month without a repayment
	Infeasible  int // rows whose statuses no statement timing reproduces (none in the published file)
	ArrearsRows int // rows with statements added before March for an April status above 1
}

var taiwanColumns = []string{"ID", "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE",
	"PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6",
	"BILL_AMT1", "BILL_AMT2", "BILL_AMT3", "BILL_AMT4", "BILL_AMT5", "BILL_AMT6",
	"PAY_AMT1", "PAY_AMT2", "PAY_AMT3", "PAY_AMT4", "PAY_AMT5", "PAY_AMT6"}

// TaiwanRow is one row of the table, months indexed 0 = April … 5 = September.
type TaiwanRow struct {
	ID        string
	Limit     int64 // NT$
	Sex       int
	Education int
	Marriage  int
	Age       int
	Status    [6]int   // PAY_6 … PAY_0
	Bill      [6]int64 // BILL_AMT6 … BILL_AMT1
	Paid      [6]int64 // PAY_AMT6 … PAY_AMT1
	Default   bool
}

// ReadTaiwan reads the CSV (header included) and calls fn for each row.
func ReadTaiwan(r io.Reader, fn func(row *TaiwanRow) error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("taiwan: reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	label := "default_payment_next_month"
	if _, ok := col[label]; !ok {
		label = "default payment next month"
	}
	for _, c := range append(taiwanColumns, label) {
		if _, ok := col[c]; !ok {
			return fmt.Errorf("taiwan: column %q is missing; is this default_of_credit_card_clients.csv?", c)
		}
	}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line++
		if err != nil {
			return fmt.Errorf("taiwan: line %d: %w", line, err)
		}
		var row TaiwanRow
		bad := ""
		num := func(name string) int64 {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[col[name]]), 64)
			// NT$ amounts beyond ±10^12 cannot be real and would overflow
			// minor units once summed.
			if (err != nil || v != v || v > 1e12 || v < -1e12) && bad == "" {
				bad = name
			}
			if bad == name {
				return 0
			}
			return int64(v)
		}
		row.ID = strings.TrimSpace(rec[col["ID"]])
		row.Limit = num("LIMIT_BAL")
		row.Sex, row.Education, row.Marriage, row.Age = int(num("SEX")), int(num("EDUCATION")), int(num("MARRIAGE")), int(num("AGE"))
		for m := 0; m < 6; m++ {
			k := 6 - m // month m is column 6−m; PAY_1 is called PAY_0
			pay := "PAY_" + strconv.Itoa(k)
			if k == 1 {
				pay = "PAY_0"
			}
			row.Status[m] = int(num(pay))
			row.Bill[m] = num("BILL_AMT" + strconv.Itoa(k))
			row.Paid[m] = num("PAY_AMT" + strconv.Itoa(k))
		}
		row.Default = num(label) == 1
		if bad != "" {
			return fmt.Errorf("taiwan: line %d: column %s is not a plausible number", line, bad)
		}
		if !sesame.ValidID("tw-"+row.ID) || row.Age < 14 || row.Age > 120 || row.Limit <= 0 {
			return fmt.Errorf("taiwan: line %d: implausible ID, AGE or LIMIT_BAL", line)
		}
		if err := fn(&row); err != nil {
			return err
		}
	}
}

// taiwanStatement is one statement of the plan: which month it belongs to,
// when it falls due and what minimum makes the statuses come out right.
type taiwanStatement struct {
	month   int // −1 = March, −2 = February …
	lagZero bool
	minDue  int64 // minor units
	balance int64 // minor units
}

// Events converts a row into ledger events, oldest first, and reports
// whether its statuses could be reproduced (they can for every row of the
// published file) and whether a balance had to be raised to its minimum.
func (row *TaiwanRow) Events() (events []sesame.Event, adjusted, tokens int, arrears bool, err error) {
	person := "tw-" + row.ID
	account := "card"
	cur := func(ntd int64) sesame.Money { return sesame.Money{Amount: max(ntd, 0) * 100, Currency: "TWD"} }
	target := [6]int{}
	for m, s := range row.Status {
		target[m] = max(s, 0)
	}
	nArrears := max(target[0]-1, 0)
	// stmts[i] is month i−1−nArrears … 5.
	first := -1 - nArrears
	stmts := make([]taiwanStatement, 0, 7+nArrears)
	for m := first; m <= 5; m++ {
		bal := row.Bill[max(m, 0)]
		stmts = append(stmts, taiwanStatement{month: m, balance: max(bal, 0) * 100})
	}
	idx := func(month int) int { return month - first }
	var token [6]bool // months given a token repayment of one minor unit
	repaidAt := func(m int) int64 {
		if token[m] {
			return 1
		}
		return max(row.Paid[m], 0) * 100
	}
	// cumSince(i, m) is the sum of repayments from month max(issue+1, 0) to m
	// inclusive: the statement of month i is issued on the 28th, after that
	// month's repayment on the 10th.
	cumSince := func(month, m int) int64 {
		var s int64
		for k := max(month+1, 0); k <= m; k++ {
			s += repaidAt(k)
		}
		return s
	}
	queue := make([]int, 0, 8) // statements past due and uncovered, oldest first
	for m := first; m < -1; m++ {
		queue = append(queue, idx(m)) // arrears, due before April
	}
	decided := make([]bool, len(stmts))
	for i := 0; i < len(stmts)-1 && stmts[i].month < -1; i++ {
		decided[i] = true
	}
	for m := 0; m < 6; m++ {
		var cands []int
		if i := idx(m - 1); !decided[i] {
			cands = append(cands, i)
		}
		cands = append(cands, idx(m))
		want := target[m]
		order := []int{0}
		if want > 0 {
			order = []int{1, 0, 2}
		}
		ok := false
		for pass := 0; pass < 2 && !ok; pass++ {
			for _, e := range order {
				if e > len(cands) {
					continue
				}
				l := len(queue) + e - want
				if l < 0 || l > len(queue) {
					continue
				}
				if l > 0 && repaidAt(m) == 0 {
					if pass == 0 {
						continue
					}
					// The table settles arrears in a month without a
					// repayment; a token repayment stands for the
					// settlement it implies.
					token[m] = true
					tokens++
				}
				for _, q := range queue[:l] {
					stmts[q].minDue = cumSince(stmts[q].month, m)
				}
				queue = append(queue[:0], queue[l:]...)
				for _, c := range cands[:e] {
					decided[c] = true
					stmts[c].lagZero = stmts[c].month == m
					queue = append(queue, c)
				}
				if i := idx(m - 1); e == 0 && !decided[i] {
					// The previous month's statement was covered before its
					// due date (the 15th): its minimum is what was paid by the 10th.
					decided[i] = true
					stmts[i].minDue = min(stmts[i].balance, cumSince(m-1, m))
				}
				ok = true
				break
			}
		}
		if !ok {
			return nil, 0, 0, false, fmt.Errorf("taiwan row %s: statuses %v cannot be reproduced", row.ID, row.Status)
		}
	}
	for _, q := range queue {
		stmts[q].minDue = cumSince(stmts[q].month, 5) + 100 // still uncovered on 1 October
	}
	if last := &stmts[len(stmts)-1]; !decided[len(stmts)-1] {
		last.minDue = last.balance / 10 // September's statement is due after the as-of date
	}

	var seq int
	add := func(at time.Time, kind sesame.Kind, p sesame.Payload) {
		seq++
		events = append(events, sesame.Event{Version: sesame.EnvelopeVersion, Source: TaiwanSource,
			ID: fmt.Sprintf("%s-%02d", person, seq), Person: person, Kind: kind, OccurredAt: at, Payload: p})
	}
	monthStart := func(m int) time.Time { return taiwanMonth0.AddDate(0, m, 0) }
	opened := monthStart(first - 1)
	id := &sesame.IdentityReported{BirthYear: TaiwanAsOf.Year() - row.Age, Protected: map[string]string{}}
	switch row.Education {
	case 1:
		id.Education = "master" // graduate school
	case 2:
		id.Education = "bachelor" // university
	case 3:
		id.Education = "secondary" // high school
	case 4:
		id.Education = "other"
	}
	switch row.Marriage {
	case 1:
		id.MaritalStatus = "married"
	case 2:
		id.MaritalStatus = "single"
	case 3:
		id.MaritalStatus = "other"
	}
	switch row.Sex {
	case 1:
		id.Protected["sex"] = "male"
	case 2:
		id.Protected["sex"] = "female"
	}
	add(opened, sesame.KindIdentityReported, id)
	add(opened, sesame.KindCreditLineOpened, &sesame.CreditLineOpened{Account: account, Type: "credit_card", Limit: cur(row.Limit)})
	for _, st := range stmts {
		m := st.month
		// repayment of month m (10th) comes before its statement (28th)
		if m >= 0 && repaidAt(m) > 0 {
			add(monthStart(m).AddDate(0, 0, 9), sesame.KindRepaymentMade, &sesame.RepaymentMade{Account: account, Amount: sesame.Money{Amount: repaidAt(m), Currency: "TWD"}})
		}
		issued := monthStart(m).AddDate(0, 0, 27)
		due := monthStart(m+1).AddDate(0, 0, 14)
		if st.lagZero {
			due = issued.Add(12 * time.Hour)
		}
		bal := st.balance
		if st.minDue > bal {
			bal = st.minDue
			adjusted++
		}
		add(issued, sesame.KindStatementIssued, &sesame.StatementIssued{Account: account,
			Balance: sesame.Money{Amount: bal, Currency: "TWD"}, MinimumDue: sesame.Money{Amount: st.minDue, Currency: "TWD"}, DueAt: due})
	}
	if row.Default {
		add(TaiwanDefault, sesame.KindLoanDefaulted, &sesame.LoanDefaulted{Loan: account, Outstanding: cur(row.Bill[5])})
	}
	return events, adjusted, tokens, nArrears > 0, nil
}

// ImportTaiwan reads the table and hands each person's events to emit.
func ImportTaiwan(r io.Reader, emit func(person string, events []sesame.Event) error) (TaiwanStats, error) {
	var st TaiwanStats
	err := ReadTaiwan(r, func(row *TaiwanRow) error {
		st.Rows++
		evs, adj, tokens, arrears, err := row.Events()
		if err != nil {
			st.Infeasible++
			return nil
		}
		st.Adjusted += adj
		st.Tokens += tokens
		if arrears {
			st.ArrearsRows++
		}
		if row.Default {
			st.Defaults++
		}
		st.Events += len(evs)
		return emit(evs[0].Person, evs)
	})
	return st, err
}
