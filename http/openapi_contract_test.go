package http

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPIDescribesEveryOperationWhole: every operation says who may
// call it (security, empty for public routes), shows an example, and gives
// every answer with a body a schema that says something; so that a route
// added in a hurry cannot leave holes that redocly would pass.
func TestOpenAPIDescribesEveryOperationWhole(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	type media struct {
		Schema map[string]any `json:"schema"`
	}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				Security  *[]map[string][]string `json:"security"`
				Responses map[string]struct {
					Ref     string           `json:"$ref"`
					Content map[string]media `json:"content"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			name := strings.ToUpper(method) + " " + path
			if op.Security == nil {
				t.Errorf("%s: no security (use [] for a public route)", name)
			}
			if !strings.Contains(string(raw), `"example`) {
				t.Errorf("%s: no example", name)
			}
			// Any route may answer 413 (a body over --max-body) and 431 (a
			// header over the limit) before its handler runs.
			for status, ref := range map[string]string{"413": "#/components/responses/TooLarge", "431": "#/components/responses/HeaderTooLarge"} {
				if op.Responses[status].Ref != ref {
					t.Errorf("%s → %s: want the shared %s", name, status, ref)
				}
			}
			for status, r := range op.Responses {
				if r.Ref != "" || status == "204" || strings.HasPrefix(status, "3") {
					continue
				}
				if len(r.Content) == 0 {
					t.Errorf("%s → %s: no content", name, status)
				}
				for mt, m := range r.Content {
					if len(m.Schema) == 0 || (m.Schema["type"] == "object" && m.Schema["properties"] == nil && m.Schema["additionalProperties"] == nil) {
						t.Errorf("%s → %s %s: a loose schema %v", name, status, mt, m.Schema)
					}
				}
			}
		}
	}
}
