package policy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// Every reason a shipped policy can give has its Chinese, so a decline
// notice read in Chinese has no English in it.
func TestShippedPolicyReasonsInChinese(t *testing.T) {
	files, _ := filepath.Glob("products/*.cel")
	if len(files) == 0 {
		t.Fatal("no shipped policies found")
	}
	reasonsRE := regexp.MustCompile(`"reasons":\s*\[([^\]]*)\]`)
	literalRE := regexp.MustCompile(`"([^"]+)"`)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reasonsRE.FindAllStringSubmatch(string(b), -1) {
			for _, lit := range literalRE.FindAllStringSubmatch(m[1], -1) {
				n++
				if _, ok := reasonZH[lit[1]]; !ok {
					t.Errorf("%s: reason %q has no Chinese", f, lit[1])
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("found no reasons in the shipped policies")
	}
}

func TestLocalizedResult(t *testing.T) {
	scoreReason := sesame.Reason{Code: "R11", Feature: "utilisation_now", Value: "95%"}
	scoreReason.Text = feature.ReasonSentence(scoreReason.Feature, scoreReason.Value, "en")
	res := sesame.DecisionResult{Decision: sesame.Decline, NeedsScore: 600, Rule: "score 596, the product needs 600",
		Reasons: []string{"an open public record", scoreReason.Text},
		Badge:   (sesame.BadgeClaim{Kind: sesame.BadgeBandAtLeast, MinBand: sesame.VeryGood}).Text()}
	if got := LocalizedResult(res, []sesame.Reason{scoreReason}, "en"); got.Rule != res.Rule || got.Reasons[1] != scoreReason.Text {
		t.Errorf("English result changed: %+v", got)
	}
	zh := LocalizedResult(res, []sesame.Reason{scoreReason}, "zh-CN")
	want := []string{"有未结清的公共记录", "您的信用卡欠款占额度的 95%"}
	if zh.Reasons[0] != want[0] || zh.Reasons[1] != want[1] || zh.Rule != "评分 596，该产品要求 600 分" || zh.Badge != "等级不低于优秀" {
		t.Errorf("Chinese result: %+v", zh)
	}
	for _, s := range append(zh.Reasons, zh.Rule, zh.Badge) {
		if strings.ContainsFunc(s, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) }) {
			t.Errorf("%q has English in it", s)
		}
	}
	if res.Reasons[0] != "an open public record" {
		t.Error("LocalizedResult changed the stored result")
	}
}
