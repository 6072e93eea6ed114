package sesame

import (
	"context"
	"encoding/json"
	"time"
)

// Decision outcomes.
const (
	Approve = "approve"
	Decline = "decline"
	Refer   = "refer"
)

// MaxDeclineReasons is how many reasons a declined person is given, as an
// adverse-action notice does; recent applications for credit may follow
// as one more (ReasonInquiries), as they may on the score.
const MaxDeclineReasons = 4

// Product is an offer a partner makes on the strength of a score: a card,
// a loan, a deposit-free rental. Its Policy is a CEL expression (package
// policy); PolicyVersion hashes the product's id, name, purpose and source
// together, so a decision names exactly the rule and product that made it.
type Product struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Purpose     Purpose `json:"purpose"`
	Description string  `json:"description,omitempty"`
	Policy      string  `json:"policy"`
	// PolicyVersion is the hex SHA-256 of the product's id, name, purpose,
	// description and Policy together (policy.Version).
	PolicyVersion string `json:"policy_version"`
}

// DecisionInput is everything a policy reads: a snapshot of the score as
// the decision saw it, and what the partner asked for. Replaying a decision
// evaluates the same policy version on the same input.
type DecisionInput struct {
	Status     string             `json:"status"`
	Score      int                `json:"score"`
	Band       Band               `json:"band"`
	Dimensions map[string]int     `json:"dimensions"`
	Features   map[string]float64 `json:"features"`
	Reasons    []Reason           `json:"reasons,omitempty"`
	AsOf       time.Time          `json:"as_of"`
	// Badge is the claim the person chose to show, for a social product
	// (nil otherwise).
	Badge *BadgeClaim `json:"badge,omitempty"`
	// Requested is the amount the person applied for (a loan, an order's
	// value), 0 when the product has none.
	Requested float64 `json:"requested"`
	// SelfAdded names what the person added to their own record that the
	// score counted; a partner's decision answer shows it, as a report
	// marks self-added data. Policies cannot read it.
	SelfAdded []SelfAdded `json:"self_added,omitempty"`
}

// DecisionResult is what a policy returns.
type DecisionResult struct {
	Decision      string  `json:"decision"` // approve | decline | refer
	CreditLine    float64 `json:"credit_line,omitempty"`
	DepositWaived float64 `json:"deposit_waived,omitempty"`
	OrderValue    float64 `json:"order_value,omitempty"`
	Amount        float64 `json:"amount,omitempty"` // a loan's principal
	Rate          float64 `json:"rate,omitempty"`   // a loan's annual rate
	PriceTier     string  `json:"price_tier,omitempty"`
	// Lane is a review lane ("fast" or "standard") for products that route
	// an application rather than grant credit (fast_review).
	Lane string `json:"lane,omitempty"`
	// WaivableChecks are the checks a partner may skip for this person
	// (fast_review), from the fixed vocabulary WaivableChecks.
	WaivableChecks []string `json:"waivable_checks,omitempty"`
	// Badge is, for a social product, the claim the person chose to show;
	// the decision says whether it holds and nothing else.
	Badge string `json:"badge,omitempty"`
	// Rule is the product's rule when a score threshold decided, said apart
	// from the reasons ("score 596, the product needs 600"): a cutoff is not
	// a reason (Reg B 1002.9(b)(2)), the score's reasons say why the score
	// is what it is.
	Rule string `json:"rule,omitempty"`
	// NeedsScore is the score the product needs when that decided (the
	// policy's "needs_score"); Rule says it in words.
	NeedsScore int `json:"needs_score,omitempty"`
	// Reasons are the policy's own words (specific facts such as a default),
	// then (on decline) up to MaxDeclineReasons of the score's reasons; the
	// score's reasons with their codes and points are in the decision's
	// input.
	Reasons []string `json:"reasons,omitempty"`
}

// Decision is a stored evaluation of a product for a person. A partner sees
// its own decisions; the person sees decisions about them.
type Decision struct {
	ID            string          `json:"id"`
	Partner       string          `json:"partner"`
	Person        string          `json:"person"`
	Product       string          `json:"product"`
	PolicyVersion string          `json:"policy_version"`
	ModelVersion  string          `json:"model_version"`
	Consent       string          `json:"consent"`
	Input         DecisionInput   `json:"input"`
	Result        DecisionResult  `json:"result"`
	Raw           json.RawMessage `json:"-"` // the canonical JSON of Result, compared on replay
	CreatedAt     time.Time       `json:"created_at"`
}

// DecisionStore keeps decisions and every policy version ever used, so a
// decision can be replayed against exactly its rule.
type DecisionStore interface {
	SaveDecision(ctx context.Context, d *Decision) error
	Decision(ctx context.Context, id string) (*Decision, error)
	// DecisionsAbout returns up to limit decisions about person, newest first.
	DecisionsAbout(ctx context.Context, person string, limit int) ([]*Decision, error)
	// DecisionsAboutAfter returns up to limit decisions about person that
	// come after after, newest first (by CreatedAt, then ID ascending).
	DecisionsAboutAfter(ctx context.Context, person string, after Position, limit int) ([]*Decision, error)
	// SavePolicy stores a policy version (idempotent by version).
	SavePolicy(ctx context.Context, p *Product) error
	// PolicyVersion returns the product as it was at version, or ENOTFOUND.
	PolicyVersion(ctx context.Context, version string) (*Product, error)
	// ActiveProducts returns the uploaded products by id (the latest upload of each).
	ActiveProducts(ctx context.Context) ([]*Product, error)
	// ActivateProduct makes version the product's current policy.
	ActivateProduct(ctx context.Context, id, version string) error
}

// WaivableChecks is the vocabulary of checks a fast-review decision may
// let a partner skip: a fixed list so that partners can act on the names.
var WaivableChecks = []string{"income_proof", "bank_statements", "employment_letter", "guarantor", "deposit"}

// WaivableCheck reports whether name is one of WaivableChecks.
func WaivableCheck(name string) bool {
	for _, c := range WaivableChecks {
		if c == name {
			return true
		}
	}
	return false
}
