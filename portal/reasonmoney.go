package portal

import (
	"context"
	"reflect"
	"slices"
	"strconv"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// Amount features sum the person's money in major units and the score keeps
// the bare number ("2945"), the same in every language, so that reason
// codes and values stay stable for partners. The portal writes such a value
// the way the My data page writes money: in the person's currency, grouped.

// currencyEvents bounds the events read to find the person's currency.
const currencyEvents = 200

// personCurrency returns the currency most of the person's recorded
// amounts are in, or "" when none is recorded (or the ledger cannot say).
func (p *Portal) personCurrency(ctx context.Context, person string) string {
	if p.cfg.Events == nil {
		return ""
	}
	page, err := p.cfg.Events.Events(ctx, sesame.EventFilter{Person: person, Limit: currencyEvents})
	if err != nil {
		// The currency only decorates a sentence: without it the page
		// still shows the amount, so a failed read is no reason to fail it.
		p.log.Warn("portal: reading the person's currency", "err", err)
		return ""
	}
	counts := map[string]int{}
	for _, e := range page.Events {
		if e.Payload != nil {
			countMoney(reflect.ValueOf(e.Payload), counts)
		}
	}
	best := ""
	for c, n := range counts {
		if n > counts[best] || (n == counts[best] && c < best) {
			best = c
		}
	}
	return best
}

// countMoney counts the currencies of the Money values in v, however deep.
func countMoney(v reflect.Value, counts map[string]int) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == moneyType:
		if c := v.Interface().(sesame.Money).Currency; sesame.ValidCurrency(c) {
			counts[c]++
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				countMoney(v.Field(i), counts)
			}
		}
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
		for i := range v.Len() {
			countMoney(v.Index(i), counts)
		}
	}
}

// withCurrency returns loc with every amount reason's sentence quoting its
// value in currency; loc itself when there is nothing to change (it may
// be the stored score, which is never modified).
func withCurrency(loc *sesame.Score, currency, lang string) *sesame.Score {
	if currency == "" || !slices.ContainsFunc(loc.Reasons, func(r sesame.Reason) bool { return feature.IsAmount(r.Feature) && r.Value != "" }) {
		return loc
	}
	c := *loc
	c.Reasons = slices.Clone(loc.Reasons)
	for i := range c.Reasons {
		r := &c.Reasons[i]
		if !feature.IsAmount(r.Feature) || r.Value == "" {
			continue
		}
		v, err := strconv.ParseFloat(r.Value, 64)
		if err != nil {
			continue
		}
		if t := feature.ReasonSentence(r.Feature, majorMoney(currency, v), lang); t != "" {
			r.Text = t
		}
	}
	return &c
}
