package feature

import (
	"regexp"
	"time"
)

// What is missing for a score is stored in English with the score; these
// are its sentences, and MissingSentence says them in Chinese.
const (
	missingNone       = "no records yet: connect a bank card, a credit line or your utility bills"
	missingNoActivity = "no record of payments, credit, bills, rentals or orders yet"
	missingShort      = "less than %.0f months of records (the first is from %s)"
	missingDate       = "2 January 2006"
)

var missingShortRE = regexp.MustCompile(`^less than (\d+) months of records \(the first is from (.+)\)$`)

// MissingSentence is one of a score's Missing sentences in lang; the
// sentence itself for English, or for one it does not know.
func MissingSentence(text, lang string) string {
	if !Chinese(lang) {
		return text
	}
	switch text {
	case missingNone:
		return "还没有任何记录：请关联银行卡、信用账户或水电煤等缴费账单"
	case missingNoActivity:
		return "还没有付款、信用、账单、租赁或订单记录"
	}
	if m := missingShortRE.FindStringSubmatch(text); m != nil {
		if t, err := time.Parse(missingDate, m[2]); err == nil {
			return "记录不足 " + m[1] + " 个月（第一条记录在 " + t.Format("2006年1月2日") + "）"
		}
	}
	return text
}
