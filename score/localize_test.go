package score

import (
	"math"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

func TestPreferredLanguage(t *testing.T) {
	for header, want := range map[string]string{
		"": "en", "zh-CN": "zh-CN", "zh": "zh-CN", "en-GB,en;q=0.9": "en", "zh-CN,zh;q=0.9,en;q=0.8": "zh-CN",
		"en;q=0.9,zh-Hans;q=0.5": "en", "fr,zh-TW;q=0.4": "zh-CN", "de": "en",
	} {
		if got := PreferredLanguage(header); got != want {
			t.Errorf("PreferredLanguage(%q) = %q, want %q", header, got, want)
		}
	}
}

// Every feature that can be a reason has its sentence in both languages,
// with and without a value, and the Chinese one is Chinese; every tip too.
func TestEveryReasonCodeSpeaksBothLanguages(t *testing.T) {
	codes := map[string]bool{}
	for _, c := range feature.ReasonCodes() {
		if codes[c.Code] {
			t.Fatalf("code %s listed twice", c.Code)
		}
		codes[c.Code] = true
	}
	if len(codes) > 40 {
		t.Fatalf("%d reason codes, at most 40", len(codes))
	}
	used := map[string]bool{}
	for _, d := range feature.Catalogue() {
		code := feature.ReasonCodeOf(d.Name)
		if d.Sensitive() != "" {
			if code != "" {
				t.Errorf("%s reveals %s but has reason code %s", d.Name, d.Sensitive(), code)
			}
			continue
		}
		if !codes[code] {
			t.Errorf("%s: code %q is not in the catalogue of codes", d.Name, code)
		}
		used[code] = true
		for _, value := range []string{feature.FormatValue(d.Name, 0.45), ""} {
			en, zh := feature.ReasonSentence(d.Name, value, "en"), feature.ReasonSentence(d.Name, value, "zh-CN")
			quotes := strings.Contains(en, value) && strings.Contains(zh, value) || d.Unit == "code" // a yes/no fact is said, not quoted
			if en == "" || zh == "" || en == zh || !quotes || !hasHan(zh) || hasHan(en) {
				t.Errorf("%s with %q: en %q, zh %q", d.Name, value, en, zh)
			}
		}
		if d.Actionable {
			en, zh := feature.TipSentence(d.Name, 0.1, "en"), feature.TipSentence(d.Name, 0.1, "zh-CN")
			if en == "" || !hasHan(zh) || strings.Contains(en, "%") && !strings.Contains(en, "10%") {
				t.Errorf("%s tip: en %q, zh %q", d.Name, en, zh)
			}
		}
	}
	for c := range codes {
		if !used[c] {
			t.Errorf("code %s is given by no feature", c)
		}
	}
}

// Localized renders a stored score in Chinese from its codes and values and
// leaves the stored one alone.
func TestLocalizedLeavesTheStoredScore(t *testing.T) {
	s := &sesame.Score{Reasons: []sesame.Reason{{Code: "R11", Feature: "utilisation_now", Value: "45%", Text: "Your card balances are 45% of your limits"}},
		Tips: []sesame.Tip{{Feature: "utilisation_now", Action: "Keep your card balances at 10% of your limits or less.", Target: 0.1, Goal: "10%"}}}
	zh := Localized(s, "zh-CN")
	if zh.Reasons[0].Text != "您的信用卡欠款占额度的 45%" || !strings.Contains(zh.Tips[0].Action, "10%") || !hasHan(zh.Tips[0].Action) {
		t.Fatalf("zh: %+v %+v", zh.Reasons, zh.Tips)
	}
	if s.Reasons[0].Text != "Your card balances are 45% of your limits" || hasHan(s.Tips[0].Action) {
		t.Fatal("Localized changed the stored score")
	}
}

// A what-if refuses an impossible value, naming the field and its range in
// the person's unit.
func TestWhatIfRejectsImpossibleValues(t *testing.T) {
	e, profiles, asOf := simulatedFixture(t)
	for _, v := range []float64{-1, 1e9, math.Inf(1), math.NaN()} {
		_, err := e.WhatIf("p", profiles[0], asOf, map[string]float64{"utilisation_now": v})
		if sesame.ErrorCode(err) != sesame.EINVALID || !strings.Contains(err.Error(), "features.utilisation_now") || !strings.Contains(err.Error(), "0% to 1000%") {
			t.Errorf("utilisation_now %v: %v", v, err)
		}
	}
	if _, err := e.WhatIf("p", profiles[0], asOf, map[string]float64{"utilisation_now": 0.1}); err != nil {
		t.Errorf("a possible value refused: %v", err)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
