package feature

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
)

func TestMissingSentencesInChinese(t *testing.T) {
	for _, en := range []string{missingNone, missingNoActivity, fmt.Sprintf(missingShort, 3.0, "5 March 2026")} {
		if got := MissingSentence(en, "en"); got != en {
			t.Errorf("English %q became %q", en, got)
		}
		zh := MissingSentence(en, "zh-CN")
		if zh == en || strings.ContainsFunc(zh, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) }) {
			t.Errorf("%q in Chinese: %q", en, zh)
		}
	}
	if got := MissingSentence(fmt.Sprintf(missingShort, 3.0, "5 March 2026"), "zh"); got != "记录不足 3 个月（第一条记录在 2026年3月5日）" {
		t.Errorf("short history in Chinese: %q", got)
	}
}
