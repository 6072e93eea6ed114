package policy

import (
	"fmt"
	"slices"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// A decision is stored with the policy's own English words, and replayed
// against them; a reader who asks for Chinese gets a copy in Chinese: the
// policy's reasons from reasonZH, the score's reasons from their features and
// values, the rule and the badge claim from their figures.

// reasonZH holds the Simplified Chinese of every reason the shipped
// policies give (a test checks each CEL file's reasons are here). An
// uploaded policy's own reasons stay as its author wrote them.
var reasonZH = map[string]string{
	"a loan or credit line in default":                      "有贷款或信用账户违约",
	"a rental left damaged or unpaid":                       "有租赁物损坏或未付款",
	"a ride or rental left damaged or unpaid":               "有骑行或租赁损坏或未付款",
	"a try-before-buy order left unpaid":                    "有先试后买订单未付款",
	"an open public record":                                 "有未结清的公共记录",
	"debt above three months of income":                     "负债超过三个月的收入",
	"good score: the counter checks a card for the deposit": "分数良好：押金由柜台核验银行卡后决定",
	"good score: the landlord decides on the deposit":       "分数良好：押金由房东决定",
	"income needs verifying at this score":                  "在此分数下需核实收入",
	"not enough credit history for a fast lane":             "信用记录不足，无法进入快速通道",
	"not enough credit history for an automatic decision":   "信用记录不足，无法自动决定",
	"not enough credit history to waive the deposit":        "信用记录不足，无法免押金",
	"not enough credit history":                             "信用记录不足",
	"the host decides on the deposit":                       "押金由房东决定",
}

// bandZH names the bands in Chinese, for a badge claim.
var bandZH = map[sesame.Band]string{
	sesame.Poor: "较差", sesame.Fair: "中等", sesame.Good: "良好", sesame.VeryGood: "优秀", sesame.Excellent: "极好",
}

// LocalizedResult is res in lang ("en", "zh-CN", …): res itself for
// English, else a copy in Chinese. scoreReasons are the decision input's
// reasons, whose English texts a decline's reasons repeat. Words the tables
// do not know keep their English.
func LocalizedResult(res sesame.DecisionResult, scoreReasons []sesame.Reason, lang string) sesame.DecisionResult {
	if !feature.Chinese(lang) {
		return res
	}
	out := res
	out.Reasons = slices.Clone(res.Reasons)
	for i, text := range out.Reasons {
		if zh, ok := reasonZH[text]; ok {
			out.Reasons[i] = zh
			continue
		}
		for _, r := range scoreReasons {
			if r.Text == text {
				if zh := feature.ReasonSentence(r.Feature, r.Value, lang); zh != "" {
					out.Reasons[i] = zh
				}
				break
			}
		}
	}
	var score, needs int
	if _, err := fmt.Sscanf(res.Rule, "score %d, the product needs %d", &score, &needs); err == nil {
		out.Rule = fmt.Sprintf("评分 %d，该产品要求 %d 分", score, needs)
	}
	for b, zh := range bandZH {
		if res.Badge != "" && res.Badge == (sesame.BadgeClaim{Kind: sesame.BadgeBandAtLeast, MinBand: b}).Text() {
			out.Badge = "等级不低于" + zh
		}
	}
	if res.Badge != "" && res.Badge == (sesame.BadgeClaim{Kind: sesame.BadgeVerifiedClean}).Text() {
		out.Badge = "已实名认证，无未付订单"
	}
	return out
}
