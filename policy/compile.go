package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
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
		details = append(details, sesame.FieldError{Field: "purpose", Reason: "use one of credit_card, loan, rental, bike_sharing, short_stay, try_before_buy, after_sales, social"})
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
	return pol, nil
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
