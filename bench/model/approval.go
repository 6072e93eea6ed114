package main

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/sesame-credit/sesame/model/table"
)

// approvalAsOf is the as-of month of the credit card approval panel
// (MONTHS_BALANCE; 0 is the latest): features describe it and the months
// before, the label the 12 months after (the data's README).
const approvalAsOf = -12

// approvalTable derives a point-in-time data set from the credit card
// approval panel: one row per id in both files with a status at or before
// the as-of month and one after it; the application's fields (CODE_GENDER
// is protected and never an input) and the panel's history up to the
// as-of month; bad = 60+ days past due (status 2–5) in the 12 months after.
// It is the harness's unseen set: no default was chosen on it.
func approvalTable(dataDir string) *table.Table {
	apps := readTable(filepath.Join(dataDir, "credit-card-approval/application_record.csv.gz"))
	credits := readTable(filepath.Join(dataDir, "credit-card-approval/credit_record.csv.gz"))
	type history struct {
		months, late, late30, late60, paid, none int
		worst, first, lastLate                   int
		asOf                                     string
		bad, after                               bool
	}
	hist := map[string]*history{}
	for _, r := range credits.Rows {
		m, err := strconv.Atoi(r[1])
		check(err)
		h := hist[r[0]]
		if h == nil {
			h = &history{worst: -1, first: 1, lastLate: 1}
			hist[r[0]] = h
		}
		st := r[2]
		if m > approvalAsOf {
			h.after = true
			if st >= "2" && st <= "5" {
				h.bad = true
			}
			continue
		}
		h.months++
		h.first = min(h.first, m)
		if m == approvalAsOf {
			h.asOf = st
		}
		switch {
		case st == "C":
			h.paid++
		case st == "X":
			h.none++
		default:
			s := int(st[0] - '0')
			h.worst = max(h.worst, s)
			h.late++
			if s >= 1 {
				h.late30++
			}
			if s >= 2 {
				h.late60++
			}
			if h.lastLate > 0 || m > h.lastLate {
				h.lastLate = m
			}
		}
	}
	drop := map[string]bool{"ID": true, "CODE_GENDER": true, "FLAG_MOBIL": true}
	out := &table.Table{SHA256: apps.SHA256 + credits.SHA256}
	var keep []int
	for j, c := range apps.Header {
		if !drop[c] {
			keep = append(keep, j)
			out.Header = append(out.Header, c)
		}
	}
	out.Header = append(out.Header, "months_on_book", "months_1_29_late", "months_30_late", "months_60_late",
		"months_paid_off", "months_no_loan", "worst_status", "months_since_late", "status_at_as_of", "bad")
	seen := map[string]bool{}
	for _, r := range apps.Rows {
		h := hist[r[0]]
		if h == nil || h.months == 0 || !h.after || seen[r[0]] {
			continue // no history before the as-of month, no outcome after it, or a repeated id
		}
		seen[r[0]] = true
		row := make([]string, 0, len(out.Header))
		for _, j := range keep {
			row = append(row, r[j])
		}
		since := ""
		if h.lastLate <= 0 {
			since = strconv.Itoa(approvalAsOf - h.lastLate)
		}
		row = append(row, strconv.Itoa(approvalAsOf-h.first+1), strconv.Itoa(h.late), strconv.Itoa(h.late30), strconv.Itoa(h.late60),
			strconv.Itoa(h.paid), strconv.Itoa(h.none), strconv.Itoa(h.worst), since, h.asOf, fmt.Sprint(map[bool]int{false: 0, true: 1}[h.bad]))
		out.Rows = append(out.Rows, row)
	}
	return out
}
