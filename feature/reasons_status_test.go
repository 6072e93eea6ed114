package feature

import (
	"strings"
	"testing"
)

// A payment status of 0 is a balance carried, not "0 payments overdue": the
// reason says so in both languages, and a count of missed payments keeps
// its number.
func TestPaymentStatusReasonSaysTheCode(t *testing.T) {
	for _, c := range []struct{ value, lang, want string }{
		{"0", "en", "not paid in full"},
		{"0", "zh-CN", "未全额还清"},
		{"-1", "en", "paid in full"},
		{"2", "en", "Minimum payments overdue now: 2"},
		{"2", "zh", "目前有 2 期最低还款逾期未还"},
	} {
		got := ReasonSentence("payment_status_now", c.value, c.lang)
		if !strings.Contains(got, c.want) {
			t.Errorf("value %s in %s: %q, want it to say %q", c.value, c.lang, got, c.want)
		}
		if c.value == "0" && strings.Contains(got, "overdue") {
			t.Errorf("value 0 reads as overdue: %q", got)
		}
	}
}
