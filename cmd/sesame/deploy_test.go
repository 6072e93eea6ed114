package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The monitoring shipped in deploy/: a Grafana dashboard and Prometheus
// rules. TestScorePipelineEndToEnd checks that every metric they read is
// on a real server's /metrics (checkDeployedMetrics); these tests check
// the rules and queries with promtool.

const (
	dashboardFile = "../../deploy/grafana/sesame-dashboard.json"
	rulesFile     = "../../deploy/prometheus/sesame-rules.yml"
	rulesTestFile = "../../deploy/prometheus/sesame-rules_test.yml"
)

func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian: apt-get install prometheus); skipping the rule checks")
	}
	return p
}

// TestPrometheusRules: the rules pass promtool's check, and its unit tests
// (stale source, error rate, band drift) fire as they should.
func TestPrometheusRules(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{{"check", "rules", rulesFile}, {"test", "rules", rulesTestFile}} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestDashboardQueries: every panel's query is valid PromQL (each is checked
// by promtool as a recording rule), and reads only metrics the server
// exports or rules record.
func TestDashboardQueries(t *testing.T) {
	bin := promtool(t)
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, q := range dashboardQueries(t) {
		b, _ := json.Marshal(q.expr)
		fmt.Fprintf(&rules, "      - record: dashboard:panel_%d_%d\n        expr: %s\n", q.panel, i, b)
	}
	path := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(path, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "check", "rules", path).CombinedOutput(); err != nil {
		t.Errorf("a dashboard query is not valid PromQL: %v\n%s", err, out)
	}
	recorded := recordedNames(t)
	for _, q := range dashboardQueries(t) {
		for _, name := range recordingRefs.FindAllString(q.expr, -1) {
			if !recorded[name] {
				t.Errorf("panel %d reads %s, which no rule in %s records", q.panel, name, rulesFile)
			}
		}
	}
}

type panelQuery struct {
	panel int
	title string
	expr  string
}

func dashboardQueries(t *testing.T) []panelQuery {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			ID      int    `json:"id"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var qs []panelQuery
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			qs = append(qs, panelQuery{p.ID, p.Title, tg.Expr})
		}
	}
	if len(qs) == 0 {
		t.Fatal("the dashboard has no queries")
	}
	return qs
}

var (
	metricRefs    = regexp.MustCompile(`\bsesame_[a-z0-9_]+`)
	recordingRefs = regexp.MustCompile(`\bsesame:[a-z0-9_:]+`)
	recordRule    = regexp.MustCompile(`(?m)^\s*- record: (\S+)`)
)

func recordedNames(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range recordRule.FindAllStringSubmatch(string(b), -1) {
		names[m[1]] = true
	}
	return names
}

// deployedMetrics are the server metrics the dashboard and the rules read,
// histograms by their family name.
func deployedMetrics(t *testing.T) []string {
	t.Helper()
	rules, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	text := string(rules)
	for _, q := range dashboardQueries(t) {
		text += "\n" + q.expr
	}
	set := map[string]bool{}
	for _, name := range metricRefs.FindAllString(text, -1) {
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			name = strings.TrimSuffix(name, suffix)
		}
		set[name] = true
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkDeployedMetrics fails for every metric the dashboard or the rules
// read that the scraped /metrics text does not have.
func checkDeployedMetrics(t *testing.T, metrics string) {
	t.Helper()
	for _, name := range deployedMetrics(t) {
		if !strings.Contains(metrics, "\n# TYPE "+name+" ") {
			t.Errorf("the dashboard or the rules read %s, which /metrics does not export", name)
		}
	}
}
