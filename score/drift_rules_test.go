package score

import (
	"os/exec"
	"testing"
)

// The drift alert rules are valid, and their unit tests pass: the score's
// alert fires at PSI 0.31 and not at 0.05, an input's at CSI 0.40 and not
// at 0.12.
func TestDriftAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian: apt-get install prometheus); the drift alert rules are not checked")
	}
	for _, args := range [][]string{
		{"check", "rules", "sesame-drift-rules.yml"},
		{"test", "rules", "sesame-drift-rules.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "../deploy/prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
