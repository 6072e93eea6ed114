package http

import (
	"bytes"
	"encoding/json"
	"io"
	nethttp "net/http"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/policy"
)

// registerOperatorProducts: operators upload product policies; each is
// compiled, type-checked, cost-bounded and probed before it goes live.
func (s *Server) registerOperatorProducts(mux *nethttp.ServeMux) {
	t := trustOf(s)
	if t == nil || t.Decider == nil {
		return
	}
	s.handle(mux, "PUT /v1/operator/products/{id}", t.trusted(s.handlePutProduct))
}

func (s *Server) handlePutProduct(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	t := trustOf(s)
	if err := requireJSON(r); err != nil {
		return err
	}
	if r.ContentLength > maxJSONBody {
		return tooLarge(maxJSONBody)
	}
	body, err := io.ReadAll(nethttp.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		return err
	}
	// The product file's own parser speaks to an operator's file; a body's
	// wrong shape is answered in the API's words first.
	var spec policy.Spec
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return jsonBodyError(err)
	}
	p, err := policy.ParseSpec(body, nil)
	if err != nil {
		return err
	}
	if p.ID != r.PathValue("id") {
		return sesame.Errorf(sesame.EINVALID, "the product's id %q differs from the path's %q", p.ID, r.PathValue("id"))
	}
	pol, err := policy.Compile(p)
	if err != nil {
		return err
	}
	if err := t.Decisions.SavePolicy(r.Context(), &pol.Product); err != nil {
		return err
	}
	if err := t.Decisions.ActivateProduct(r.Context(), pol.Product.ID, pol.Product.PolicyVersion); err != nil {
		return err
	}
	t.Decider.Catalog.Put(pol)
	writeJSON(w, nethttp.StatusOK, map[string]any{"id": pol.Product.ID, "policy_version": pol.Product.PolicyVersion})
	return nil
}
