package portal

import (
	"math"
	"testing"
)

// A what-if value is read in the person's unit: "10%" is 0.1.
func TestWhatIfValueInPersonsUnit(t *testing.T) {
	for raw, want := range map[string]float64{"10%": 0.1, "45 %": 0.45, "0.3": 0.3, "2": 2} {
		if got, err := parseWhatIfValue(raw); err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("parseWhatIfValue(%q) = %v, %v; want %v", raw, got, err, want)
		}
	}
	if _, err := parseWhatIfValue("ten%"); err == nil {
		t.Error(`"ten%" parsed`)
	}
}
