package policy

import (
	"slices"

	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"

	"github.com/sesame-credit/sesame"
)

// ScoreThresholds returns the score cut-offs the policy compares the score
// with, as thresholds ("is the score at least N?"): score >= 600 and
// score < 600 give 600, score > 599 gives 600. A threshold consent asked
// for a product names these, so the partner may ask exactly what its
// product's rule needs to know, and no more.
func (p *Policy) ScoreThresholds() []int { return slices.Clone(p.thresholds) }

// scoreThresholds walks a checked policy for comparisons of the score
// variable with an integer constant.
func scoreThresholds(checked *ast.AST) []int {
	var out []int
	ast.PostOrderVisit(checked.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.CallKind {
			return
		}
		c := e.AsCall()
		args := c.Args()
		if len(args) != 2 {
			return
		}
		op := c.FunctionName()
		n, ok := intConst(args[1])
		if !isScore(args[0]) || !ok {
			// constant on the left: N <= score is score >= N, and so on.
			if n, ok = intConst(args[0]); !ok || !isScore(args[1]) {
				return
			}
			op = map[string]string{operators.Less: operators.Greater, operators.LessEquals: operators.GreaterEquals,
				operators.Greater: operators.Less, operators.GreaterEquals: operators.LessEquals}[op]
		}
		switch op {
		case operators.GreaterEquals, operators.Less:
			out = append(out, n)
		case operators.Greater, operators.LessEquals:
			out = append(out, n+1)
		}
	}))
	out = slices.DeleteFunc(out, func(n int) bool { return n < sesame.MinScore || n > sesame.MaxScore })
	slices.Sort(out)
	return slices.Compact(out)
}

func isScore(e ast.Expr) bool { return e.Kind() == ast.IdentKind && e.AsIdent() == "score" }

func intConst(e ast.Expr) (int, bool) {
	if e.Kind() != ast.LiteralKind {
		return 0, false
	}
	if v, ok := e.AsLiteral().(types.Int); ok {
		return int(v), true
	}
	return 0, false
}
