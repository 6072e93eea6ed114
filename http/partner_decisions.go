package http

import (
	"context"
	nethttp "net/http"
	"slices"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/score"
)

func (s *Server) registerPartnerDecisions(mux *nethttp.ServeMux) {
	t := trustOf(s)
	if t == nil || t.Decider == nil {
		return
	}
	s.handle(mux, "GET /v1/partner/products", t.trusted(s.handleProducts))
	s.handle(mux, "POST /v1/partner/decisions", t.trusted(s.handleCreateDecision))
	s.handle(mux, "GET /v1/partner/decisions/{id}", t.trusted(s.handleGetDecision))
}

func (s *Server) handleProducts(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	if _, err := s.partner(w, r, t); err != nil {
		return err
	}
	type product struct {
		ID            string         `json:"id"`
		Name          string         `json:"name"`
		Purpose       sesame.Purpose `json:"purpose"`
		Description   string         `json:"description,omitempty"`
		PolicyVersion string         `json:"policy_version"`
	}
	var out []product
	for _, p := range t.Decider.Catalog.Products() {
		out = append(out, product{p.ID, p.Name, p.Purpose, p.Description, p.PolicyVersion})
	}
	p, err := pageList(r.URL.Query(), out, defaultPageLimit, byID, func(p product) listKey { return listKey{ID: p.ID} })
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, listAnswer("products", p))
	return nil
}

type decisionRequest struct {
	Person    string  `json:"person"`
	Product   string  `json:"product"`
	Requested float64 `json:"requested"`
}

// decisionAnswer is a decision as the partner sees it: the result and the
// versions, never the score input it was computed from.
type decisionAnswer struct {
	ID            string                `json:"id"`
	Person        string                `json:"person"`
	Product       string                `json:"product"`
	Result        sesame.DecisionResult `json:"result"`
	PolicyVersion string                `json:"policy_version"`
	ModelVersion  string                `json:"model_version"`
	Consent       string                `json:"consent"`
	CreatedAt     time.Time             `json:"created_at"`
	// Notice is the adverse-action notice of a decline: the score's reasons
	// the result gives, each with its code, text (in the reader's language)
	// and points lost. The product's rule stands apart in result.rule.
	Notice []sesame.Reason `json:"notice,omitempty"`
	// Disputed: a dispute of the person's records is open now.
	Disputed bool `json:"disputed,omitempty"`
	// SelfAdded: what the person added to their own record that the
	// decision's score counted. A social product's answer never has it:
	// it says only whether the person's chosen claim holds.
	SelfAdded []sesame.SelfAdded `json:"self_added,omitempty"`
}

func (s *Server) answerOf(ctx context.Context, d *sesame.Decision, lang string) (decisionAnswer, error) {
	disputed, err := s.disputeOpen(ctx, d.Person)
	a := decisionAnswer{d.ID, d.Person, d.Product, policy.LocalizedResult(d.Result, d.Input.Reasons, lang), d.PolicyVersion, d.ModelVersion, d.Consent, d.CreatedAt, nil, disputed, nil}
	if d.Input.Badge == nil {
		a.SelfAdded = d.Input.SelfAdded
	}
	if d.Result.Decision == sesame.Decline {
		for _, r := range d.Input.Reasons {
			if slices.Contains(d.Result.Reasons, r.Text) {
				a.Notice = append(a.Notice, r)
			}
		}
		a.Notice = score.Localized(&sesame.Score{Reasons: a.Notice}, lang).Reasons
	}
	return a, err
}

func (s *Server) handleCreateDecision(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	partner, err := s.partner(w, r, t)
	if err != nil {
		return err
	}
	var in decisionRequest
	if err := decodeStrict(w, r, &in); err != nil {
		return err
	}
	d, err := t.Decider.Decide(r.Context(), partner.ID, in.Person, in.Product, in.Requested)
	if err != nil {
		return err
	}
	a, err := s.answerOf(r.Context(), d, score.PreferredLanguage(r.Header.Get("Accept-Language")))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, nethttp.StatusCreated, a)
	return nil
}

// handleGetDecision shows a partner its own decision, again only within a
// live consent for the product's purpose, and logged like any read.
func (s *Server) handleGetDecision(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	partner, err := s.partner(w, r, t)
	if err != nil {
		return err
	}
	d, err := t.Decisions.Decision(r.Context(), r.PathValue("id"))
	if err != nil || d.Partner != partner.ID {
		return sesame.Errorf(sesame.ENOTFOUND, "no decision %q of yours", r.PathValue("id"))
	}
	purpose, scope := sesame.Purpose(""), policy.DecisionScope
	if p, err := t.Decider.Catalog.Product(d.Product); err == nil {
		purpose, scope = p.Product.Purpose, policy.ScopeOf(p.Product)
	}
	if _, err := t.Gate.Allow(r.Context(), consent.Read{Partner: partner.ID, Person: d.Person, Scope: scope,
		Purpose: purpose, Action: consent.ActionDecisionRead, Note: "decision " + d.ID}); err != nil {
		return err
	}
	a, err := s.answerOf(r.Context(), d, score.PreferredLanguage(r.Header.Get("Accept-Language")))
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, a)
	return nil
}
