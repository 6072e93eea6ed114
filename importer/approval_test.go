package importer

import (
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// TestApprovalStatusesBecomeDaysPastDue converts a small panel and checks
// that the days past due derived at each month's end fall in the range of
// that month's status, and that the dpd60 label follows the panel.
func TestApprovalStatusesBecomeDaysPastDue(t *testing.T) {
	apps := "ID,CODE_GENDER,FLAG_OWN_CAR,FLAG_OWN_REALTY,CNT_CHILDREN,AMT_INCOME_TOTAL,NAME_INCOME_TYPE,NAME_EDUCATION_TYPE,NAME_FAMILY_STATUS,NAME_HOUSING_TYPE,DAYS_BIRTH,DAYS_EMPLOYED,FLAG_MOBIL,FLAG_WORK_PHONE,FLAG_PHONE,FLAG_EMAIL,OCCUPATION_TYPE,CNT_FAM_MEMBERS\n" +
		"1,M,Y,Y,0,120000.0,Working,Higher education,Married,House / apartment,-12000,-2000,1,0,0,0,,2.0\n" +
		"2,F,N,N,0,90000.0,Pensioner,Secondary / secondary special,Widow,House / apartment,-22000,365243,1,0,0,0,,1.0\n"
	// id 1: C C 0 1 2 3 C ; id 2: X 0 C 0 0 2 (a jump).
	credits := "ID,MONTHS_BALANCE,STATUS\n"
	for i, s := range []string{"C", "C", "0", "1", "2", "3", "C"} {
		credits += "1," + itoa(i-6) + "," + s + "\n"
	}
	for i, s := range []string{"X", "0", "C", "0", "0", "2"} {
		credits += "2," + itoa(i-5) + "," + s + "\n"
	}
	credits += "99,0,C\n" // no application: skipped
	byPerson := map[string][]sesame.Event{}
	st, err := ImportApproval(strings.NewReader(apps), strings.NewReader(credits), func(p string, ev []sesame.Event) error {
		byPerson[p] = append([]sesame.Event(nil), ev...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.People != 2 || st.Skipped != 1 {
		t.Fatalf("stats %+v", st)
	}
	for _, evs := range byPerson {
		for i := range evs {
			if err := evs[i].Validate(time.Now()); err != nil {
				t.Fatalf("%s: %v", evs[i].Kind, err)
			}
		}
	}
	worst := feature.Index("worst_dpd_3m")
	check := func(person string, month, lo, hi int) {
		t.Helper()
		end := approvalMonth0.AddDate(0, month+1, 0)
		// worst_dpd_3m as of the month's end, from a person's events before it
		v := feature.Compute(byPerson[person], end)
		if d := int(v[worst]); d < lo || d > hi {
			t.Errorf("%s month %d: worst days past due %d, want %d–%d", person, month, d, lo, hi)
		}
	}
	check("cca-1", -4, 1, 29)
	check("cca-1", -3, 30, 59)
	check("cca-1", -2, 60, 89)
	check("cca-1", -1, 90, 119)
	check("cca-2", 0, 60, 89)
	s := feature.NewState()
	if bad, already := (feature.Outcome{DPD60: true}).Label(s, byPerson["cca-1"], approvalMonth0.AddDate(0, -4, 0), approvalMonth0); !bad || already {
		t.Errorf("cca-1: 60+ reached in month −2: bad=%v already=%v", bad, already)
	}
	if bad, _ := (feature.Outcome{DPD60: true}).Label(s, byPerson["cca-2"], approvalMonth0.AddDate(0, -5, 0), approvalMonth0.AddDate(0, -1, 0)); bad {
		t.Error("cca-2 is 60+ only in month 0")
	}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	return string(rune('0' + i))
}
