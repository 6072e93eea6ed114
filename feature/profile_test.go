package feature

import (
	"fmt"
	"math"
	"reflect"
	"testing"
)

// TestTipsMatchTheRules checks the precomputed tip tables against the rules
// written out case by case (the code they replaced), for every feature at
// values around every target.
func TestTipsMatchTheRules(t *testing.T) {
	values := []float64{math.NaN(), math.Inf(-1), -2, -1, -0.5, 0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.99, 1, 1.5, 2, 3, 4, 96, math.Inf(1)}
	tips := 0
	for i, name := range Names() {
		for _, v := range values {
			got, want := Tips(name, v), referenceTips(name, v)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(TipsAt(i, v), want) {
				t.Errorf("%s at %v: tips %v, the rules say %v", name, v, got, want)
			}
			tips += len(got)
		}
	}
	if tips == 0 {
		t.Fatal("no feature has a tip: the test proves nothing")
	}
	if Tips("no_such_feature", 1) != nil || TipsAt(-1, 1) != nil || TipsAt(Len(), 1) != nil {
		t.Error("tips for a feature that does not exist")
	}
}

// referenceTips is Tips as written before the tables: the rules case by case.
func referenceTips(name string, current float64) []TipTarget {
	i := Index(name)
	if i < 0 || !catalogue[i].Actionable {
		return nil
	}
	d := catalogue[i]
	if current != current { // no value: a lightly used card, a verified identity
		switch i {
		case fUtilisationNow:
			return []TipTarget{{0.1, fmt.Sprintf(d.Tip, "10%")}}
		case fIdentityVerified:
			return []TipTarget{{1, d.Tip}}
		}
		return nil
	}
	switch i {
	case fUtilisationNow:
		var out []TipTarget
		for _, t := range []float64{0.1, 0.3, 0.5} {
			if current > t {
				out = append(out, TipTarget{t, fmt.Sprintf(d.Tip, fmt.Sprintf("%.0f%%", t*100))})
			}
		}
		return out
	case fUtilisationAvg6m:
		var out []TipTarget
		for _, t := range []float64{0.1, 0.3} {
			if current > t {
				out = append(out, TipTarget{t, fmt.Sprintf(d.Tip, fmt.Sprintf("%.0f%%", t*100))})
			}
		}
		return out
	case fMonthsOfActivity, fOrders, fRentals:
		steps := []float64{1, 2, 3, 5, 10}
		if i == fMonthsOfActivity {
			steps = []float64{6, 12}
		}
		if current >= 0 && !math.IsInf(current, 0) {
			var out []TipTarget
			for _, step := range steps {
				out = append(out, TipTarget{current + step, TipSentence(d.Name, current+step, "en")})
			}
			return out
		}
	case fDaysSinceLastActivity:
		if current > 30 {
			return []TipTarget{{30, d.Tip}}
		}
	case fDebtToIncome:
		var out []TipTarget
		for _, t := range []float64{1, 3} {
			if current > t {
				out = append(out, TipTarget{t, fmt.Sprintf(d.Tip, fmt.Sprintf("%.0f", t))})
			}
		}
		return out
	case fPaymentStatusNow: // −1: the last statement paid in full
		if current > -1 {
			return []TipTarget{{-1, d.Tip}}
		}
	case fWorstDPD3m, fPublicRecordsOpen, fOrdersUnpaid, fBillsOverdueNow, fMonthsLateRecent6m, fCreditApplications6m:
		if current > 0 {
			return []TipTarget{{0, d.Tip}}
		}
	case fIdentityVerified, fIncomeVerified:
		if current < 1 {
			return []TipTarget{{1, d.Tip}}
		}
	case fOnTimeRepaymentRatio, fPaidInFullShare6m, fBillsOnTimeRatio, fRentalsOnTimeRatio, fPaymentRegularity12m:
		if current < 1 {
			return []TipTarget{{1, d.Tip}}
		}
	case fRepaidToBilledRatio1m, fRepaidToBilledRatio3m, fRepaidToBilledRatio6m:
		if current < 1 {
			return []TipTarget{{1, d.Tip}}
		}
	}
	return nil
}
