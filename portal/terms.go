package portal

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/sesame-credit/sesame"
)

// A product's name and terms are shown in the person's language. The
// shipped products have their names in the catalogs (product.ID); an
// uploaded product the catalogs do not know keeps the name its partner gave.
// Terms are said from the decision's figures, never from a stored sentence,
// so every language says the same numbers.

// localizeOffers rewrites each offer's name and summary in l's language; an
// offer without its decision's figures (Terms nil) keeps its summary.
func localizeOffers(l *Locale, offers []Offer) {
	for i := range offers {
		o := &offers[i]
		if k := "product." + o.Product; l.Has(k) {
			o.Name = l.T(k)
		}
		if o.Terms != nil {
			o.Summary = offerTerms(l, *o.Terms, cmp.Or(o.Currency, "CNY"))
		}
	}
}

// offerTerms says in figures what an approval gives, in l's language.
func offerTerms(l *Locale, r sesame.DecisionResult, currency string) string {
	var parts []string
	if r.CreditLine > 0 {
		parts = append(parts, l.T("terms.credit_line", majorMoney(currency, r.CreditLine)))
	}
	if r.Amount > 0 {
		parts = append(parts, l.T("terms.amount", majorMoney(currency, r.Amount)))
	}
	if r.Rate > 0 {
		parts = append(parts, l.T("terms.rate", strconv.FormatFloat(r.Rate*100, 'f', 2, 64)))
	}
	if r.DepositWaived > 0 {
		parts = append(parts, l.T("terms.deposit_waived", majorMoney(currency, r.DepositWaived)))
	}
	if r.OrderValue > 0 {
		parts = append(parts, l.T("terms.order_value", majorMoney(currency, r.OrderValue)))
	}
	if r.Lane != "" {
		parts = append(parts, l.T("terms.lane", l.word("lane.", r.Lane)))
	}
	if len(r.WaivableChecks) > 0 {
		checks := make([]string, len(r.WaivableChecks))
		for i, c := range r.WaivableChecks {
			checks[i] = l.word("check.", c)
		}
		parts = append(parts, l.T("terms.waive", strings.Join(checks, l.T("list.sep"))))
	}
	if r.Badge != "" {
		parts = append(parts, l.T("terms.badge", badgeText(l, r.Badge)))
	}
	if r.PriceTier != "" {
		parts = append(parts, l.T("terms.tier", l.word("tier.", r.PriceTier)))
	}
	return strings.Join(parts, " · ")
}

// word translates one value of a policy's fixed vocabulary (a lane, a check,
// a price tier); a value the catalogs do not know (an uploaded policy's own
// tier letter) is shown as the policy wrote it.
func (l *Locale) word(prefix, v string) string {
	if l.Has(prefix + v) {
		return l.T(prefix + v)
	}
	return strings.ReplaceAll(v, "_", " ")
}

// badgeText translates the claim a social badge shows. The decision holds
// it as sesame.BadgeClaim.Text, so it is matched against every claim.
func badgeText(l *Locale, text string) string {
	if l.Code() == "en" {
		return text // the claim's own words are English
	}
	for _, b := range sesame.Bands {
		if (sesame.BadgeClaim{Kind: sesame.BadgeBandAtLeast, MinBand: b.Band}).Text() == text {
			return l.T("badge.band_at_least", l.T("band."+string(b.Band)))
		}
	}
	if (sesame.BadgeClaim{Kind: sesame.BadgeVerifiedClean}).Text() == text {
		return l.T("badge.verified_clean")
	}
	return text
}

// FeatureLabel names a feature the way a person reads it ("Card balances
// compared with limits"); a feature the catalogs do not name keeps its name.
func (l *Locale) FeatureLabel(name string) string {
	if l.Has("feature." + name) {
		return l.T("feature." + name)
	}
	return name
}

// KindLabel names an event kind in the person's words ("Repayment made"); a
// kind the catalogs do not name is shown as it is stored.
func (l *Locale) KindLabel(kind string) string {
	if l.Has("kind." + kind) {
		return l.T("kind." + kind)
	}
	return kind
}

// AdditionLabel says what a self-added record holds. The source's label is
// in its own words (English for the simulated source), so in another
// language it is said from the events the source vouched for: a bill
// account's category and number of bills, or the verified fact.
func (l *Locale) AdditionLabel(a *sesame.Addition) string {
	if l.code == "en" || len(a.Events) == 0 {
		return a.Label
	}
	bills, category := 0, ""
	var facts []string
	for _, e := range a.Events {
		switch p := e.Payload.(type) {
		case *sesame.BillIssued:
			bills++
			category = p.Category
		case *sesame.IdentityReported:
			if p.IdentityVerified != nil && *p.IdentityVerified {
				facts = append(facts, l.T("addition.identity"))
			}
			if p.Education != "" {
				facts = append(facts, l.T("addition.education", l.word("education.", p.Education)))
			}
			if p.Employment != "" {
				facts = append(facts, l.T("addition.employment", l.word("employment.", p.Employment)))
			}
		}
	}
	switch {
	case bills > 0 && category != "":
		return l.T("addition.bills", l.word("bill.", category), bills)
	case len(facts) > 0:
		return strings.Join(facts, l.T("list.sep"))
	}
	return a.Label
}
