package main

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// untranslatedAllowed are the Latin words a Chinese page may show: the
// language switch names English in English, units and file formats are
// written the same in Chinese, and the demo's source is a name.
var untranslatedAllowed = map[string]bool{
	"English": true, "UTC": true, "CNY": true, "JSON": true, "CSV": true, "zip": true, "EdDSA": true, "QR": true, "ZIP": true, "JavaScript": true,
	"simulate": true, "simulated": true,
	"City": true, "Bank": true, // the test's partner
}

var (
	// Text a person does not read as prose: scripts, styles, machine text
	// (<code>: tokens, stored payloads), what they typed themselves
	// (<textarea>), a command quoted to copy (`sesame verify TOKEN`) and a
	// path (/.well-known/jwks.json); a device's name, marked translate="no".
	unreadRE = regexp.MustCompile("(?is)<strong[^>]*\\stranslate=\"no\"[^>]*>.*?</strong>|<script.*?</script>|<style.*?</style>|<code.*?</code>|<pre.*?</pre>|<textarea.*?</textarea>|`[^`<]*`|(?:^|[\\s>])/[\\w./-]+")
	// Attributes a person (or their screen reader) reads.
	readAttrRE = regexp.MustCompile(`(?i)\s(?:title|alt|aria-label|placeholder|aria-description|data-l-[a-z]+)="([^"]*)"`)
	tagRE      = regexp.MustCompile(`<[^>]*>`)
	// A token of ASCII letters, digits and _; one with a digit is an id, a
	// version or a code (p00000001, 74929dea9802, R05), not a word.
	asciiTokenRE = regexp.MustCompile(`[A-Za-z0-9_]+`)
)

// untranslated returns the English words a page shows a person.
func untranslated(page string) []string {
	page = unreadRE.ReplaceAllString(page, " ")
	var text strings.Builder
	for _, m := range readAttrRE.FindAllStringSubmatch(page, -1) {
		text.WriteString(html.UnescapeString(m[1]) + " ")
	}
	text.WriteString(html.UnescapeString(tagRE.ReplaceAllString(page, " ")))
	var out []string
	for _, tok := range asciiTokenRE.FindAllString(text.String(), -1) {
		letters := strings.Count(strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
				return 'x'
			}
			return -1
		}, tok), "x")
		if letters < 2 || strings.ContainsAny(tok, "0123456789") || untranslatedAllowed[tok] || slices.Contains(out, tok) ||
			// The bill source names an account CATEGORY-REF in its own
			// category codes (electricity-4411), typed as they are.
			slices.Contains(sesame.BillCategories, tok) {
			continue
		}
		out = append(out, tok)
	}
	return out
}

func TestUntranslatedDetector(t *testing.T) {
	page := `<html lang="zh-Hans"><title>我的开明分</title><script>var x="Score";</script>
<p title="Hello">您的分数 <span>R05</span> 74929dea9802 p00000001</p><code>{"amount":1}</code>
<a href="/portal/x">English</a><div aria-label="close">关闭</div><select><option>utilisation_now — 降低</option></select>`
	got := untranslated(page)
	want := []string{"Hello", "close", "utilisation_now"}
	if !slices.Equal(got, want) {
		t.Errorf("untranslated = %q, want %q", got, want)
	}
}

var portalLinkRE = regexp.MustCompile(`href="(/portal/[^"#]*)"`)

// TestDemoPortalWhollyChinese walks the real demo's portal as a person who
// chose Chinese — every page the navigation reaches and the pages behind a
// form (what-if without JavaScript, a credential, its verification, bad
// input, a page that does not exist) — and fails on any English word a
// person would read, or on another company's brand.
func TestDemoPortalWhollyChinese(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo population")
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := buildDemo(ctx, db, 400, 1, func(string) {}); err != nil {
		t.Fatal(err)
	}
	// A partner with consents to read p00000001's score and make decisions,
	// and two requests waiting for an answer, so that the consents page, the
	// approval page, its answer and the access log have something to say.
	key, code := runCaptured(t, func() int {
		return run(ctx, []string{"partner", "add", "--db", db, "City Bank", "--redirect-uri", "https://citybank.example/cb"})
	})
	if key = strings.TrimSpace(key); code != 0 || key == "" {
		t.Fatalf("partner add: exit %d", code)
	}
	for _, grant := range [][]string{{"--purpose", "loan", "--scope", "full"}, {"--purpose", "social_badge", "--badge", "verified_clean"}} {
		if _, code := runCaptured(t, func() int {
			return run(ctx, append(append([]string{"consent", "grant", "--db", db}, grant...), "p00000001", "city-bank"))
		}); code != 0 {
			t.Fatalf("consent grant %v: exit %d", grant, code)
		}
	}
	t.Setenv("SESAME_CREDENTIAL_KEK", "")
	base := serveInProcess(t, "--db", db, "--demo", "--operator-token", "op")
	partner := func(method, path, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s as the partner: %d %s", method, path, res.StatusCode, b)
		}
		return string(b)
	}
	partner("GET", "/v1/partner/people/p00000001/score", "")
	partner("POST", "/v1/partner/decisions", `{"person":"p00000001","product":"personal_loan"}`)
	var requests []string
	for _, body := range []string{
		`{"person":"p00000001","purpose":"credit_card","scope":"threshold","thresholds":[650],"redirect_uri":"https://citybank.example/cb","state":"s1"}`,
		`{"person":"p00000001","purpose":"social_badge","scope":"threshold","redirect_uri":"https://citybank.example/cb"}`,
	} {
		var cr struct{ ID string }
		if err := json.Unmarshal([]byte(partner("POST", "/v1/partner/consent-requests", body)), &cr); err != nil || cr.ID == "" {
			t.Fatalf("consent request: %v", err)
		}
		requests = append(requests, cr.ID)
	}

	check := func(b *browser, what, page string) {
		t.Helper()
		if d := os.Getenv("ZHDUMP"); d != "" {
			os.WriteFile(filepath.Join(d, strings.NewReplacer("/", "_", " ", "_").Replace(what)+".html"), []byte(page), 0o644)
		}
		if !strings.Contains(page, `lang="zh-Hans"`) {
			t.Errorf("%s: not a Chinese page", what)
		}
		if words := untranslated(page); len(words) > 0 {
			t.Errorf("%s shows English to a person who chose Chinese: %q", what, words)
		}
		for _, brand := range []string{"芝麻信用", "芝麻分", "Sesame"} {
			if strings.Contains(unreadRE.ReplaceAllString(page, ""), brand) {
				t.Errorf("%s shows %q", what, brand)
			}
		}
	}
	// A newcomer with one recent payment (n00000001): too little history
	// for a score, and the page says what is missing; someone with no
	// records at all (n00000002). (Four people: logins are rate-limited.)
	event := `{"source":"simulate","id":"n00000001-1","person":"n00000001","kind":"payment.made","occurred_at":"` + time.Now().UTC().Add(-time.Hour).Format(time.RFC3339) +
		`","payload":{"amount":{"amount":100,"currency":"CNY"},"merchant_category":"5411","channel":"online"}}`
	req, _ := http.NewRequest("POST", base+"/v1/events", strings.NewReader(event))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer op")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("POST /v1/events: %d", res.StatusCode)
	}
	for _, person := range []string{"p00000001", "p00000007", "n00000001", "n00000002"} {
		b := newBrowser(t, base)
		_, page := b.do("GET", "/portal/login", nil)
		csrf := csrfField.FindStringSubmatch(page)
		if csrf == nil {
			t.Fatal("no CSRF token on the login page")
		}
		if res, _ := b.do("POST", "/portal/lang", url.Values{"csrf": {csrf[1]}, "lang": {"zh"}, "next": {"/portal/login"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("switching to Chinese: %d", res.StatusCode)
		}
		_, page = b.do("GET", "/portal/login", nil)
		check(b, "the login page", page)
		home := b.login(person)
		check(b, person+" /portal/", home)
		if person == "n00000001" {
			for i := 0; i < 50 && !strings.Contains(home, "记录不足"); i++ {
				time.Sleep(100 * time.Millisecond)
				_, home = b.do("GET", "/portal/", nil)
			}
			if !strings.Contains(home, "记录不足") {
				t.Errorf("the newcomer's page does not say in Chinese what is missing:\n%s", home)
			}
			check(b, person+" /portal/ with too little history", home)
		}
		token := csrfField.FindStringSubmatch(home)[1]

		seen := map[string]bool{"/portal/": true}
		queue := []string{"/portal/"}
		for len(queue) > 0 {
			path := queue[0]
			queue = queue[1:]
			res, page := b.do("GET", path, nil)
			if res.StatusCode != http.StatusOK {
				if res.StatusCode >= 500 {
					t.Errorf("GET %s: %d", path, res.StatusCode)
				}
				continue
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				continue
			}
			check(b, person+" "+path, page)
			for _, m := range portalLinkRE.FindAllStringSubmatch(page, -1) {
				link := html.UnescapeString(m[1])
				p, _, _ := strings.Cut(link, "?")
				// One page of each path (a filter or the next page shows the
				// same words), nothing that acts or downloads.
				if seen[p] || strings.Contains(p, "/static/") || strings.Contains(p, "export") || strings.Contains(p, "/auth") {
					continue
				}
				seen[p] = true
				queue = append(queue, link)
			}
		}
		if len(seen) < 7 {
			t.Errorf("%s: the walk reached only %d pages", person, len(seen))
		}

		// Forms a person fills, their answers and their errors.
		if person == "p00000001" {
			_, page = b.do("GET", "/portal/record", nil)
			source := regexp.MustCompile(`<select id="bill-source" name="source"><option>([^<]+)</option>`).FindStringSubmatch(page)
			if source == nil {
				t.Fatal("the record page offers no vouching source")
			}
			for _, add := range []url.Values{
				{"csrf": {token}, "kind": {"bill_account"}, "source": {source[1]}, "account": {"electricity-4411"}},
				{"csrf": {token}, "kind": {"verified_fact"}, "source": {source[1]}, "fact": {"education:bachelor"}},
			} {
				if res, page := b.do("POST", "/portal/record", add); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("adding to the record: %d %s", res.StatusCode, page)
				}
			}
			_, page = b.do("GET", "/portal/record", nil)
			if remove := regexp.MustCompile(`action="(/portal/record/[^"]+/remove)"`).FindStringSubmatch(page); remove != nil {
				b.do("POST", remove[1], url.Values{"csrf": {token}})
			}
			_, page = b.do("GET", "/portal/record", nil)
			if !strings.Contains(page, "电费账户") || !strings.Contains(page, "学历已核实") {
				t.Errorf("the record page does not say the additions in Chinese:\n%s", page)
			}
			check(b, person+" /portal/record with additions", page)

			for _, id := range requests {
				_, page = b.do("GET", "/portal/consents?request="+id, nil)
				check(b, person+" the approval page of request "+id, page)
			}
			res, _ := b.do("POST", "/portal/requests/"+requests[0]+"/approve", url.Values{"csrf": {token}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("approving a request: %d", res.StatusCode)
			}
			_, page = b.do("GET", res.Header.Get("Location"), nil)
			check(b, person+" the answer to a request", page)
			// Answered from a partner's approval link: the page with the link
			// back; then the same request again, and a badge nobody offers.
			res, page = b.do("POST", "/portal/requests/"+requests[1]+"/decline", url.Values{"csrf": {token}, "return": {"partner"}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("declining from the approval link: %d", res.StatusCode)
			}
			check(b, person+" the answered page", page)
			_, page = b.do("POST", "/portal/requests/"+requests[1]+"/approve", url.Values{"csrf": {token}})
			check(b, person+" answering a request twice", page)
			_, page = b.do("POST", "/portal/badges/city-bank", url.Values{"csrf": {token}, "badge": {"band_at_least:platinum"}})
			check(b, person+" a badge nobody offers", page)
			_, page = b.do("GET", "/portal/access-log", nil)
			if !strings.Contains(page, "City Bank") {
				t.Error("the access log does not show the partner's look")
			}
		}
		feature := regexp.MustCompile(`<option value="([a-z_0-9]+)"`).FindStringSubmatch(home)
		if feature != nil {
			_, page = b.do("POST", "/portal/what-if", url.Values{"csrf": {token}, "feature": {feature[1]}, "value": {"0"}})
			check(b, person+" what-if answer", page)
		}
		_, page = b.do("POST", "/portal/what-if", url.Values{"csrf": {token}, "feature": {"utilisation_now"}, "value": {"lots"}})
		check(b, person+" what-if with a bad value", page)
		_, page = b.do("POST", "/portal/what-if", url.Values{"csrf": {token}, "feature": {"no_such_feature"}, "value": {"1"}})
		check(b, person+" what-if on an unknown feature", page)
		if person == "p00000001" {
			// A value the feature cannot take is refused with its range.
			_, page = b.do("POST", "/portal/what-if", url.Values{"csrf": {token}, "feature": {"utilisation_now"}, "value": {"50"}})
			check(b, person+" what-if out of range", page)
			if !strings.Contains(page, "请填写 0% 到 1000% 之间的值") {
				t.Errorf("what-if out of range does not give the range in Chinese")
			}
		}
		_, page = b.do("GET", "/portal/data?from=yesterday", nil)
		check(b, person+" data with a bad date", page)
		_, page = b.do("GET", "/portal/no-such-page", nil)
		check(b, person+" a page that does not exist", page)
		res, _ = b.do("POST", "/portal/share", url.Values{"csrf": {token}, "kind": {"band_at_least"}, "days": {"7"}})
		if res.StatusCode == http.StatusSeeOther {
			_, page = b.do("GET", res.Header.Get("Location"), nil)
			check(b, person+" a new credential", page)
			if m := regexp.MustCompile(`/verify\?c=([A-Za-z0-9_.%-]+)`).FindStringSubmatch(page); m != nil {
				_, page = b.do("GET", "/verify?c="+m[1], nil)
				check(b, person+" a credential's verification", page)
				_, page = b.do("GET", "/verify?c="+m[1]+"x", nil)
				check(b, person+" an altered credential's verification", page)
			}
		}
		_, page = b.do("GET", "/verify?c=not-a-credential", nil)
		check(b, person+" verifying garbage", page)
		_, page = b.do("POST", "/portal/share", url.Values{"csrf": {token}, "kind": {"nonsense"}, "days": {"-1"}})
		check(b, person+" a bad credential request", page)
	}
}
