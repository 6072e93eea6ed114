package model

import "strings"

// Dimensions of a score, in the order reports show them.
var Dimensions = []string{"credit_history", "fulfilment", "behaviour", "identity", "connections"}

// FeatureInfo is what the feature catalogue knows about a feature: its
// dimension, a description for people, and the text of its reason code.
type FeatureInfo struct {
	Dimension   string
	Description string
	Reason      string // may contain %s for the bin's label
	// NeutralMissing: a missing value is no evidence (see Feature.NeutralMissing).
	// It shapes training, so Train reads it and Describe leaves it alone.
	NeutralMissing bool
	// NoPairs keeps the feature out of pair terms: an identity or
	// connections fact must not change how the rest of a record counts.
	NoPairs bool
	// Direction is the catalogue's declared direction: +1 more never costs
	// points, −1 more never earns points, 0 free. Train enforces it as a
	// monotone constraint unless Config.Monotone says otherwise.
	Direction int
	// Free says why a feature has no declared direction (Direction 0);
	// training reports it.
	Free string
	// Sensitive names the attribute the feature reveals ("age",
	// "education", …): such a feature is no model input unless the
	// operator allows that attribute (Config.Allow), and never a reason.
	Sensitive string
	// NoPenaltyFrom, when set, is the value from which the feature never
	// costs points against any lower value (Reg B: a person 62 or older is
	// never given a negative value for age).
	NoPenaltyFrom float64
}

// Catalogue maps feature names to their FeatureInfo. The feature package
// owns the real catalogue and passes it to Train or Describe.
type Catalogue map[string]FeatureInfo

// Describe sets dimensions, descriptions and reason texts from c; features
// absent from c keep what they have. It changes no points.
func (m *Model) Describe(c Catalogue) {
	for i := range m.Features {
		f := &m.Features[i]
		info, ok := c[f.Name]
		if !ok {
			continue
		}
		if info.Dimension != "" {
			f.Dimension = info.Dimension
		}
		if info.Description != "" {
			f.Description = info.Description
		}
		if info.Reason != "" {
			f.Reason = info.Reason
		}
	}
}

// guessDimension places a feature the catalogue does not know, from words in
// its name; "behaviour" is the fallback because most raw columns describe how
// a person uses credit.
func guessDimension(name string) string {
	n := strings.ToLower(name)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(n, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("late", "past", "due", "dpd", "delinq", "derog", "default", "pay_0", "pay_2", "pay_3", "pay_4", "pay_5", "pay_6", "record"):
		return "credit_history"
	case has("pay_amt", "repay", "paid", "return", "fulfil", "rent", "deposit"):
		return "fulfilment"
	case has("age", "educ", "marri", "job", "income", "dependent", "yoj", "employ", "home", "identity"):
		return "identity"
	case has("vouch", "connection", "referral", "network"):
		return "connections"
	default:
		return "behaviour"
	}
}
