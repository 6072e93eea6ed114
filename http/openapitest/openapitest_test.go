package openapitest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	sesamehttp "github.com/sesame-credit/sesame/http"
	"github.com/sesame-credit/sesame/http/openapitest"
)

// TestProblemsFindsDrift: a body of the wrong shape and an undocumented
// status are reported; a documented answer is not.
func TestProblemsFindsDrift(t *testing.T) {
	v := openapitest.New(sesamehttp.OpenAPI())
	h := http.Header{"Content-Type": {"application/json"}}
	if p := v.Problems(httptest.NewRequest("GET", "/healthz", nil), 200, h, []byte(`{"status":5}`)); len(p) == 0 {
		t.Error("a wrong /healthz body passed")
	}
	if p := v.Problems(httptest.NewRequest("GET", "/v1/people/p1/score", nil), 418, h, []byte(`{}`)); len(p) == 0 {
		t.Error("an undocumented status passed")
	}
	body := []byte(`{"error":{"code":"not_found","message":"no score for p1","request_id":"r1"}}`)
	if p := v.Problems(httptest.NewRequest("GET", "/v1/people/p1/score", nil), 404, h, body); len(p) != 0 {
		t.Errorf("a documented 404 failed: %v", p)
	}
}
