package policy

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"

	"github.com/sesame-credit/sesame"
)

// Input builds a policy's input from a score and the amount requested.
// Only whitelisted features are copied: the decision stores its input, and
// nothing beyond what policies may see should be kept with it.
func Input(s *sesame.Score, requested float64) sesame.DecisionInput {
	in := sesame.DecisionInput{Status: s.Status, Score: s.Score, Band: s.Band, AsOf: s.AsOf, Requested: requested,
		Dimensions: map[string]int{}, Features: map[string]float64{}}
	for _, d := range s.Dimensions {
		in.Dimensions[string(d.Dimension)] = d.Score
	}
	for _, f := range Features {
		if v, ok := s.Features[f.Name]; ok && !math.IsNaN(v) {
			in.Features[f.Name] = v
		}
	}
	in.Reasons = append(in.Reasons, s.Reasons...)
	in.SelfAdded = append(in.SelfAdded, s.SelfAdded...)
	sort.SliceStable(in.Reasons, func(i, j int) bool { return in.Reasons[i].PointsLost > in.Reasons[j].PointsLost })
	return in
}

// activation resolves a policy's variables straight from the input,
// without building a map per evaluation.
type activation struct {
	in     *sesame.DecisionInput
	scored bool
}

// featureMissing is each whitelisted feature's value when absent.
var featureMissing = func() map[string]float64 {
	m := make(map[string]float64, len(Features))
	for _, f := range Features {
		m[f.Name] = f.Missing
	}
	return m
}()

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "status":
		return a.in.Status, true
	case "scored":
		return a.scored, true
	case "score":
		if !a.scored {
			return int64(0), true
		}
		return int64(a.in.Score), true
	case "band":
		if !a.scored {
			return "", true
		}
		return string(a.in.Band), true
	case "band_rank":
		if !a.scored {
			return int64(-1), true
		}
		return int64(a.in.Band.Rank()), true
	case "requested":
		return a.in.Requested, true
	case "badge_kind":
		if a.in.Badge == nil {
			return "", true
		}
		return a.in.Badge.Kind, true
	case "badge_min_rank":
		if a.in.Badge == nil || a.in.Badge.Kind != sesame.BadgeBandAtLeast {
			return int64(-1), true
		}
		return int64(a.in.Badge.MinBand.Rank()), true
	case "credit_history", "fulfilment", "behaviour", "identity", "connections":
		return int64(a.in.Dimensions[name]), true
	}
	if def, ok := featureMissing[name]; ok {
		if v, ok := a.in.Features[name]; ok {
			return v, true
		}
		return def, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

var mapType = reflect.TypeOf(map[string]any{})

// Evaluate runs the policy on in. The result's Reasons are the policy's
// own, then on a decline the score's top reasons, MaxDeclineReasons in all,
// and recent applications for credit as one more when the score gives them.
func (p *Policy) Evaluate(in sesame.DecisionInput) (sesame.DecisionResult, error) {
	res, err := p.evaluate(in)
	if err != nil {
		return res, err
	}
	if Social(p.Product.Purpose) {
		// A social answer is the chosen claim and whether it holds: no
		// reasons, which would carry the score's factors.
		res.Reasons = nil
		if in.Badge != nil {
			res.Badge = in.Badge.Text()
		}
		return res, nil
	}
	if res.NeedsScore != 0 {
		// The product's rule, apart from the reasons: a cutoff is not a
		// reason; the score's reasons below say why the score is what it is.
		res.Rule = fmt.Sprintf("score %d, the product needs %d", in.Score, res.NeedsScore)
	}
	if res.Decision == sesame.Decline {
		for _, r := range in.Reasons {
			if len(res.Reasons) >= sesame.MaxDeclineReasons {
				// Recent applications for credit may follow the first
				// four, as on the score.
				if r.Code == sesame.ReasonInquiries {
					res.Reasons = append(res.Reasons, r.Text)
				}
				continue
			}
			res.Reasons = append(res.Reasons, r.Text)
		}
		if len(res.Reasons) > sesame.MaxDeclineReasons+1 {
			res.Reasons = res.Reasons[:sesame.MaxDeclineReasons+1]
		}
	}
	return res, nil
}

// evaluate is the policy's own result, before Evaluate adds or strips anything.
func (p *Policy) evaluate(in sesame.DecisionInput) (sesame.DecisionResult, error) {
	out, _, err := p.prg.Eval(&activation{in: &in, scored: in.Status == sesame.StatusScored})
	if err != nil {
		return sesame.DecisionResult{}, sesame.Errorf(sesame.EINVALID, "policy %s failed: %v", p.Product.ID, err)
	}
	res, err := toResult(out)
	if err != nil {
		return sesame.DecisionResult{}, sesame.Errorf(sesame.EINVALID, "policy %s returned an invalid result: %v", p.Product.ID, err)
	}
	return res, nil
}

func toResult(v ref.Val) (sesame.DecisionResult, error) {
	var r sesame.DecisionResult
	native, err := v.ConvertToNative(mapType)
	if err != nil {
		return r, fmt.Errorf("it must be a map with string keys")
	}
	m := native.(map[string]any)
	num := func(k string, dst *float64) error {
		x, ok := m[k]
		if !ok {
			return nil
		}
		var f float64
		switch n := x.(type) {
		case int64:
			f = float64(n)
		case uint64:
			f = float64(n)
		case float64:
			f = n
		default:
			return fmt.Errorf("%q must be a number, not %T", k, x)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e12 {
			return fmt.Errorf("%q = %v is out of range (0 to 1e12)", k, f)
		}
		*dst = f
		return nil
	}
	for k, x := range m {
		switch k {
		case "decision":
			s, _ := x.(string)
			if s != sesame.Approve && s != sesame.Decline && s != sesame.Refer {
				return r, fmt.Errorf(`"decision" must be "approve", "decline" or "refer", not %v`, x)
			}
			r.Decision = s
		case "needs_score":
			n, ok := x.(int64)
			if !ok || n < sesame.MinScore || n > sesame.MaxScore {
				return r, fmt.Errorf(`"needs_score" must be a score from %d to %d`, sesame.MinScore, sesame.MaxScore)
			}
			r.NeedsScore = int(n)
		case "price_tier":
			s, ok := x.(string)
			if !ok || len(s) > 40 {
				return r, fmt.Errorf(`"price_tier" must be a short string`)
			}
			r.PriceTier = s
		case "reasons":
			list, ok := x.([]any)
			if !ok {
				return r, fmt.Errorf(`"reasons" must be a list of strings`)
			}
			for _, e := range list {
				s, ok := e.(string)
				if !ok || len(s) > 200 {
					return r, fmt.Errorf(`"reasons" must be a list of strings of at most 200 characters`)
				}
				r.Reasons = append(r.Reasons, s)
			}
		case "lane":
			s, _ := x.(string)
			if s != "fast" && s != "standard" {
				return r, fmt.Errorf(`"lane" must be "fast" or "standard", not %v`, x)
			}
			r.Lane = s
		case "waivable_checks":
			list, ok := x.([]any)
			if !ok {
				return r, fmt.Errorf(`"waivable_checks" must be a list of strings`)
			}
			for _, e := range list {
				s, _ := e.(string)
				if !sesame.WaivableCheck(s) {
					return r, fmt.Errorf(`"waivable_checks": unknown check %v; use %s`, e, strings.Join(sesame.WaivableChecks, ", "))
				}
				r.WaivableChecks = append(r.WaivableChecks, s)
			}
		case "credit_line":
			err = num(k, &r.CreditLine)
		case "deposit_waived":
			err = num(k, &r.DepositWaived)
		case "order_value":
			err = num(k, &r.OrderValue)
		case "amount":
			err = num(k, &r.Amount)
		case "rate":
			err = num(k, &r.Rate)
		default:
			return r, fmt.Errorf("unknown field %q; a result has decision, credit_line, deposit_waived, order_value, amount, rate, price_tier, needs_score, lane, waivable_checks and reasons", k)
		}
		if err != nil {
			return r, err
		}
	}
	if r.Decision == "" {
		return r, fmt.Errorf(`"decision" is missing`)
	}
	return r, nil
}
