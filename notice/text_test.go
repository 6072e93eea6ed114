package notice

import (
	"strings"
	"testing"
	"unicode"

	"github.com/sesame-credit/sesame"
)

// Every mail text is said in both languages: English without Chinese
// characters, Chinese with them, and the product named by its own name.
func TestMailTextsBothLanguages(t *testing.T) {
	texts := []mailText{mailFooter}
	for _, topic := range []string{sesame.TopicAccess, sesame.TopicScoreChanged, sesame.TopicConsentExpiring, "dispute.opened", "dispute.answered", "anything.else"} {
		texts = append(texts, textOf(topic))
	}
	for _, x := range texts {
		if x.en == "" || strings.ContainsFunc(x.en, isHan) {
			t.Errorf("English text %q", x.en)
		}
		if !strings.ContainsFunc(x.zh, isHan) || strings.ContainsFunc(x.zh, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) }) {
			t.Errorf("Chinese text %q is not wholly Chinese", x.zh)
		}
		if strings.Contains(x.zh, "芝麻") {
			t.Errorf("Chinese text %q names another company's brand", x.zh)
		}
	}
	if subject(sesame.TopicScoreChanged) != "Your Sesame score changed / 您的开明分有变化" {
		t.Errorf("subject = %q", subject(sesame.TopicScoreChanged))
	}
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }
