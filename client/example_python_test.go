package client_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// TestPythonExampleAgainstARealServer runs examples/partner.py, the
// partners' Python example, against a real server: a decision and the
// score a consent allows, then the error a person without consent gives.
func TestPythonExampleAgainstARealServer(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("no %s to run examples/partner.py with", python)
	}
	w := newPartnerWorld(t)
	w.consent(t, "p1", sesame.ScopeScore)
	run := func(args ...string) (string, string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, python, append([]string{"../examples/partner.py"}, args...)...)
		cmd.Env = append(os.Environ(), "SESAME_URL="+w.URL, "SESAME_PARTNER_KEY="+w.Key)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("partner.py: %v", err)
			}
			code = ee.ExitCode()
		}
		return stdout.String(), stderr.String(), code
	}

	out, errOut, code := run("p1", "personal_loan", "50000")
	if code != 0 || !regexp.MustCompile(`(?m)^decision dec_\S+: approve \(policy [0-9a-f]{64}, model m1\)$`).MatchString(out) ||
		!strings.Contains(out, `"score": 655`) || !strings.Contains(out, `"consent": "con_p1"`) {
		t.Fatalf("partner.py p1: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	out, errOut, code = run("p2", "personal_loan")
	if code != 1 || !strings.Contains(errOut, "403 forbidden: ") || !strings.Contains(errOut, "(request ") || out != "" {
		t.Fatalf("partner.py p2 (no consent): exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
