package http

import (
	"strings"
	"testing"
)

// TestRescoreAndActivateAnswerAsDocumented: the operator's rescore and
// model routes answer status, refusals and a missing model in the
// documented shapes (each answer is validated against openapi.json).
func TestRescoreAndActivateAnswerAsDocumented(t *testing.T) {
	ts := newTrustServer(t, false)
	key := ts.addPartner("lender")
	if a := ts.do("GET", "/v1/operator/rescore", testOperator, ""); a.status != 200 || !strings.Contains(a.body, `"running":false`) {
		t.Errorf("rescore status: %d %s", a.status, a.body)
	}
	for _, c := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/v1/operator/rescore", "", 401},
		{"GET", "/v1/operator/rescore", key, 403},
		{"POST", "/v1/operator/rescore", key, 403},
		{"POST", "/v1/operator/models/nosuch/activate", key, 403},
		{"POST", "/v1/operator/models/nosuch/activate", testOperator, 404},
	} {
		if a := ts.do(c.method, c.path, c.token, ""); a.status != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, a.status, a.body, c.status)
		}
	}
	// No model is active: there is nothing to rescore with, and the
	// answer says so rather than starting.
	if a := ts.do("POST", "/v1/operator/rescore", testOperator, ""); a.status < 400 || a.status >= 500 && a.status != 503 || !strings.Contains(a.body, "model") {
		t.Errorf("rescore without a model: %d %s", a.status, a.body)
	}
}
