package http

import (
	"net/url"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// FuzzPartnerInput: whatever a partner sends as a decision body, a
// consent-request body or a threshold, the answer is never a 5xx.
func FuzzPartnerInput(f *testing.F) {
	for _, s := range []string{`{"person":"p1","product":"personal_loan","requested":5000}`, `{"person":"p1"`, `[]`, `null`, `{"requested":-1}`,
		`{"person":"p1","product":"personal_loan","requested":1e309}`, "650", "99999", "-1", "abc", "", "\x00", "%zz"} {
		f.Add(s)
	}
	ts := newTrustServer(f, false)
	key := ts.addPartner("acme", "https://acme.example/cb")
	ts.score("p1", 700)
	ts.consent("p1", "acme", sesame.PurposeLoan, sesame.ScopeFull, ts.now.Add(-time.Hour), ts.now.Add(time.Hour), time.Time{})
	f.Fuzz(func(t *testing.T, in string) {
		ts.t = t
		for _, a := range []answer{
			ts.do("POST", "/v1/partner/decisions", key, in),
			ts.do("POST", "/v1/partner/consent-requests", key, in),
			ts.do("GET", "/v1/partner/people/p1/threshold?min="+url.QueryEscape(in), key, ""),
		} {
			if a.status >= 500 {
				t.Fatalf("%q: %d %s", in, a.status, a.body)
			}
			if a.status == 200 && showsNumber(a.body, 700) {
				t.Fatalf("%q: a threshold answer shows the score: %s", in, a.body)
			}
		}
	})
}
