package notice

import (
	"strings"

	"github.com/sesame-credit/sesame"
)

// A mail goes to an address, not to a portal session, so it cannot know the
// language the person chose: every mail says its news in English and in
// Simplified Chinese, English first. The portal's inbox says the same from
// its catalogs (portal/messages, notice.topic.*).

// mailText is one topic's subject line in both languages.
type mailText struct{ en, zh string }

var (
	mailTexts = map[string]mailText{
		sesame.TopicAccess:          {"A partner looked at your Sesame data", "有合作方查看了您的开明信用数据"},
		sesame.TopicScoreChanged:    {"Your Sesame score changed", "您的开明分有变化"},
		sesame.TopicConsentExpiring: {"A consent is about to expire", "您的一项授权即将到期"},
		"dispute.":                  {"News on your dispute", "您的异议有新进展"},
		"":                          {"A notice from Sesame", "开明信用的通知"},
	}
	// mailFooter points to the inbox, in both languages.
	mailFooter = mailText{"See your inbox on the Sesame portal for more.", "详情请查看开明信用门户中的收件箱。"}
)

// textOf is the topic's subject in both languages; a dispute step shares
// one text, and a topic without its own text gets the general one.
func textOf(topic string) mailText {
	if t, ok := mailTexts[topic]; ok {
		return t
	}
	if strings.HasPrefix(topic, "dispute.") {
		return mailTexts["dispute."]
	}
	return mailTexts[""]
}
