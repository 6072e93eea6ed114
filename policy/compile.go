package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/types"

	"github.com/sesame-credit/sesame"
)

// Limits of a policy.
const (
	MaxSourceBytes = 16 << 10
	// MaxCost bounds both the static estimate (at compile) and the actual
	// cost of one evaluation (at run time). The shipped policies cost < 100.
	MaxCost = 10_000
)

// Policy is a compiled, checked product policy. Safe for concurrent use.
type Policy struct {
	Product    sesame.Product
	prg        cel.Program
	thresholds []int // the score cut-offs the rule uses (ScoreThresholds)
}

// Version returns the policy version decisions record: the hex SHA-256 of
// the product's id, name, purpose, description and source, each length-
// prefixed. Keying by product and content together means two products may
// share a rule's text, and a change of name or purpose alone is a new
// version that is stored, not an old row that a restart brings back.
func Version(p sesame.Product) string {
	h := sha256.New()
	var n [8]byte
	for _, f := range []string{"sesame policy version 2", p.ID, p.Name, string(p.Purpose), p.Description, p.Policy} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sourceVersion is how versions were computed before they named their
// product (the SHA-256 of the source alone); decisions made then still
// replay against it.
func sourceVersion(source string) string {
	h := sha256.Sum256([]byte(source))
	return hex.EncodeToString(h[:])
}

// Compile parses, type-checks and cost-bounds p.Policy, and evaluates it on
// a probe input at every band edge so that an output with an unknown field
// or an impossible decision is caught now, not at a partner's request.
// Errors are EINVALID and name the line and column.
func Compile(p sesame.Product) (*Policy, error) {
	var details []sesame.FieldError
	if !sesame.ValidID(p.ID) {
		details = append(details, sesame.FieldError{Field: "id", Reason: "use letters, digits, '.', '_', ':', '@' or '-'"})
	}
	if strings.TrimSpace(p.Name) == "" {
		details = append(details, sesame.FieldError{Field: "name", Reason: "required"})
	}
	if !p.Purpose.Valid() {
		details = append(details, sesame.FieldError{Field: "purpose", Reason: "use one of " + sesame.PurposeList})
	}
	if strings.TrimSpace(p.Policy) == "" {
		details = append(details, sesame.FieldError{Field: "policy", Reason: "required: a CEL expression returning a map"})
	}
	if len(p.Policy) > MaxSourceBytes {
		details = append(details, sesame.FieldError{Field: "policy", Reason: fmt.Sprintf("longer than %d bytes", MaxSourceBytes)})
	}
	if len(details) > 0 {
		return nil, &sesame.Error{Code: sesame.EINVALID, Message: "product " + p.ID + " is not valid", Details: details}
	}
	src := common.NewStringSource(p.Policy, p.ID+".cel")
	ast, iss := celEnv.CompileSource(src)
	if iss.Err() != nil {
		return nil, celError(p.ID, iss.Err().Error())
	}
	if ast.OutputType().Kind() != types.MapKind && ast.OutputType() != cel.DynType {
		return nil, sesame.Errorf(sesame.EINVALID, "policy %s: the expression returns %s; it must return a map such as {\"decision\": \"approve\"}", p.ID, ast.OutputType())
	}
	if Social(p.Purpose) {
		if err := checkSocialReads(p.ID, ast); err != nil {
			return nil, err
		}
	}
	est, err := celEnv.EstimateCost(ast, noSizes{})
	if err != nil {
		return nil, sesame.Errorf(sesame.EINVALID, "policy %s: cost cannot be estimated: %v", p.ID, err)
	}
	if est.Max > MaxCost {
		return nil, sesame.Errorf(sesame.EINVALID, "policy %s: estimated cost up to %d exceeds the limit of %d; simplify the expression", p.ID, est.Max, MaxCost)
	}
	// No run-time cost tracking: every variable is a scalar, so the static
	// estimate above is a true upper bound, and tracking would double the
	// evaluation time.
	prg, err := celEnv.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, sesame.Errorf(sesame.EINVALID, "policy %s: %v", p.ID, err)
	}
	p.PolicyVersion = Version(p)
	pol := &Policy{Product: p, prg: prg, thresholds: scoreThresholds(ast.NativeRep())}
	for _, in := range probeInputs() {
		if _, err := pol.Evaluate(in); err != nil {
			return nil, sesame.Errorf(sesame.EINVALID, "policy %s fails on a probe input (score %d, status %s): %s", p.ID, in.Score, in.Status, sesame.ErrorMessage(err))
		}
	}
	if Social(p.Purpose) {
		if err := checkSocialAnswers(pol); err != nil {
			return nil, err
		}
	}
	return pol, nil
}

// Social reports whether products of purpose are social ones, held to the
// badge rules: they read no score or dimension and answer only whether the
// person's chosen claim holds.
func Social(purpose sesame.Purpose) bool {
	return purpose == sesame.PurposeSocial || purpose == sesame.PurposeSocialBadge
}

// checkSocialReads refuses a social policy that names the score or a
// dimension sub-score, connections above all.
func checkSocialReads(id string, ast *cel.Ast) error {
	native := ast.NativeRep()
	var bad []string
	seen := map[string]bool{}
	for exprID, ref := range native.ReferenceMap() {
		why, forbidden := socialForbidden[ref.Name]
		if !forbidden || seen[ref.Name] {
			continue
		}
		seen[ref.Name] = true
		loc := native.SourceInfo().GetStartLocation(exprID)
		bad = append(bad, fmt.Sprintf("%s.cel:%d:%d: a social product may not read '%s' (%s)", id, loc.Line(), loc.Column()+1, ref.Name, why))
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return sesame.Errorf(sesame.EINVALID, "policy %s is refused: %s", id, strings.Join(bad, "; "))
}

// checkSocialAnswers evaluates a social policy for every claim a person can
// choose on probe people around every band edge, verified or not, with and
// without an unpaid order: it must answer approve exactly when the claim
// holds and decline otherwise, with nothing but the decision. A policy
// stricter or looser than the claim would tell the platform something the
// person did not choose to show.
func checkSocialAnswers(pol *Policy) error {
	var claims []sesame.BadgeClaim
	for _, b := range sesame.Bands {
		claims = append(claims, sesame.BadgeClaim{Kind: sesame.BadgeBandAtLeast, MinBand: b.Band})
	}
	claims = append(claims, sesame.BadgeClaim{Kind: sesame.BadgeVerifiedClean})
	for _, c := range claims {
		for _, in := range probeInputs() {
			for _, f := range []map[string]float64{{}, {"identity_verified": 1}, {"identity_verified": 1, "orders_unpaid": 1}, {"orders_unpaid": 2}} {
				in.Badge, in.Features = &c, f
				res, err := pol.evaluate(in)
				if err != nil {
					return sesame.Errorf(sesame.EINVALID, "policy %s fails on a probe input: %s", pol.Product.ID, sesame.ErrorMessage(err))
				}
				want := sesame.Decline
				if c.Holds(in) {
					want = sesame.Approve
				}
				if res.Decision != want {
					return sesame.Errorf(sesame.EINVALID, "policy %s answers %s for the claim %q at score %d (%s, features %v); a social product must approve exactly when the chosen claim holds", pol.Product.ID, res.Decision, c.String(), in.Score, in.Status, f)
				}
				if len(fieldsOf(res)) != 0 {
					return sesame.Errorf(sesame.EINVALID, "policy %s returns %s for a social product; it may return only \"decision\"", pol.Product.ID, strings.Join(fieldsOf(res), ", "))
				}
			}
		}
	}
	return nil
}

// fieldsOf lists the result fields other than the decision that res sets.
func fieldsOf(res sesame.DecisionResult) []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	add(res.CreditLine != 0, "credit_line")
	add(res.DepositWaived != 0, "deposit_waived")
	add(res.OrderValue != 0, "order_value")
	add(res.Amount != 0, "amount")
	add(res.Rate != 0, "rate")
	add(res.PriceTier != "", "price_tier")
	add(res.Lane != "", "lane")
	add(len(res.WaivableChecks) != 0, "waivable_checks")
	add(len(res.Reasons) != 0, "reasons")
	return out
}

// celError rewrites cel-go's "ERROR: <input>:3:5: msg" lines into one message.
func celError(id, msg string) error {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	var keep []string
	for _, l := range lines {
		if strings.HasPrefix(l, "ERROR: ") {
			keep = append(keep, strings.TrimPrefix(l, "ERROR: "))
		}
	}
	if len(keep) == 0 {
		keep = lines
	}
	return sesame.Errorf(sesame.EINVALID, "policy %s does not compile: %s", id, strings.Join(keep, "; "))
}

// noSizes tells the estimator nothing: every variable is a scalar, so the
// estimate is exact enough.
type noSizes struct{}

func (noSizes) EstimateSize(checker.AstNode) *checker.SizeEstimate { return nil }
func (noSizes) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

// probeInputs are a scored person at each band edge, plus one without a score.
func probeInputs() []sesame.DecisionInput {
	var out []sesame.DecisionInput
	for _, s := range []int{350, 549, 550, 599, 600, 649, 650, 699, 700, 950} {
		out = append(out, sesame.DecisionInput{Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s), Requested: 1000})
	}
	return append(out, sesame.DecisionInput{Status: sesame.StatusInsufficientHistory})
}
