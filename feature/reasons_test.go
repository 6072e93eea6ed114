package feature

import (
	"os"
	"strings"
	"testing"
)

// docs/reasons.md documents every code with its factor and every feature's
// sentences in both languages, as the code has them.
func TestReasonCodesAreDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/reasons.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if len(reasonCodes) > 40 {
		t.Fatalf("%d codes: at most 40", len(reasonCodes))
	}
	for _, c := range reasonCodes {
		if !strings.Contains(doc, "| "+c.Code+" | "+c.Factor+" |") {
			t.Errorf("docs/reasons.md lacks code %s (%s)", c.Code, c.Factor)
		}
	}
	for i, rt := range reasonTexts {
		if rt.code == "" {
			continue
		}
		row := "| `" + catalogue[i].Name + "` | " + rt.code + " | " + rt.en + " | " + rt.zh + " |"
		if !strings.Contains(doc, row) {
			t.Errorf("docs/reasons.md lacks %s", row)
		}
	}
}
