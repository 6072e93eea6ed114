// Package policy evaluates product policies: CEL expressions (google
// cel-go) over a person's score, band, dimension sub-scores and a
// whitelist of profile features, returning a decision, amounts, a price
// tier and reasons. Policies are compiled, type-checked and cost-bounded
// when they are loaded, so that evaluation cannot fail on a name or a type
// and cannot run away.
package policy

import (
	"sort"

	"github.com/google/cel-go/cel"
)

// Feature is one profile feature a policy may read, with the value it
// takes when the person's profile lacks it (documented in docs/policies.md).
type Feature struct {
	Name    string
	Missing float64
	Doc     string
}

// Features is the whitelist: the profile values partners' rules may see.
// The rest of a profile stays private to the score; a policy that names
// anything else fails to compile ("undeclared reference").
var Features = []Feature{
	{"income_monthly", 0, "latest reported monthly income (0 when unreported)"},
	{"income_verified", 0, "1 when the income was verified from payroll or tax records"},
	{"identity_verified", 0, "1 when identity was verified"},
	{"debt_to_income", 0, "card balances and open loan principal over monthly income"},
	{"utilisation_now", 0, "latest statement balances over credit limits"},
	{"defaults", 0, "loans or credit lines in default"},
	{"write_offs", 0, "debts written off by a lender"},
	{"public_records_open", 0, "public records not yet cleared"},
	{"worst_dpd_12m", 0, "most days past due in the last 12 months"},
	{"bills_overdue_now", 0, "bills past due and unpaid"},
	{"loans_active", 0, "instalment loans open"},
	{"rentals", 0, "deposit-free rentals, rides and stays taken"},
	{"rentals_on_time_ratio", 1, "share of rentals returned on time, undamaged and paid (1 without rentals)"},
	{"rentals_damaged_or_unpaid", 0, "rentals with damage charged or fees unpaid"},
	{"orders_unpaid", 0, "try-before-buy orders neither paid nor returned"},
	{"months_since_first_credit_line", 0, "age of the credit history in months"},
	{"employment_years", 0, "years in the current employment"},
}

// Variables other than features, with their CEL types.
var scalarVars = []struct {
	name string
	typ  *cel.Type
	doc  string
}{
	{"status", cel.StringType, `"scored" or "insufficient_history"`},
	{"scored", cel.BoolType, "status == \"scored\""},
	{"score", cel.IntType, "350–950; 0 when not scored"},
	{"band", cel.StringType, "poor, fair, good, very_good, excellent; \"\" when not scored"},
	{"band_rank", cel.IntType, "poor 0 … excellent 4; -1 when not scored"},
	{"credit_history", cel.IntType, "dimension sub-score, 350–950 (0 when absent)"},
	{"fulfilment", cel.IntType, "dimension sub-score"},
	{"behaviour", cel.IntType, "dimension sub-score"},
	{"identity", cel.IntType, "dimension sub-score"},
	{"connections", cel.IntType, "dimension sub-score"},
	{"requested", cel.DoubleType, "the amount applied for (loan principal, order value); 0 when none"},
	{"badge_kind", cel.StringType, `social products: the claim the person chose, "band_at_least" or "verified_clean"; "" otherwise`},
	{"badge_min_rank", cel.IntType, "social products: the band rank the person chose to show at least (0–4); -1 otherwise"},
}

// socialForbidden are the variables a social product's policy may not read:
// the score and every dimension sub-score, so that its answer cannot carry
// them, and above all connections, so that no platform ranks people by whom
// they know.
var socialForbidden = map[string]string{
	"connections":    "the connections dimension: nobody is ranked by whom they know",
	"score":          "the score: a social answer says only whether the chosen claim holds",
	"credit_history": "a dimension sub-score: a social answer never carries a dimension",
	"fulfilment":     "a dimension sub-score: a social answer never carries a dimension",
	"behaviour":      "a dimension sub-score: a social answer never carries a dimension",
	"identity":       "a dimension sub-score: a social answer never carries a dimension",
}

// VariableDocs returns every variable a policy may read and what it holds,
// sorted by name (for docs and `sesame policy vars`).
func VariableDocs() [][3]string {
	var out [][3]string
	for _, v := range scalarVars {
		out = append(out, [3]string{v.name, v.typ.String(), v.doc})
	}
	for _, f := range Features {
		out = append(out, [3]string{f.Name, "double", f.Doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

var celEnv = mustEnv()

func mustEnv() *cel.Env {
	var opts []cel.EnvOption
	for _, v := range scalarVars {
		opts = append(opts, cel.Variable(v.name, v.typ))
	}
	for _, f := range Features {
		opts = append(opts, cel.Variable(f.Name, cel.DoubleType))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		panic("policy: CEL environment: " + err.Error())
	}
	return env
}
