package portal_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/policy"
)

// Every Chinese message is Chinese — not an English one copied over — and
// takes the same arguments in the same order as its English one, so that
// neither language shows a %!d(string=…) or drops a figure.
func TestChineseCatalogIsChinese(t *testing.T) {
	en, zh := readCatalog(t, "en"), readCatalog(t, "zh")
	// Words written the same in Chinese: file formats, an algorithm's name.
	latinAllowed := []string{"JSON", "CSV", "zip", "ZIP", "EdDSA", "JavaScript"}
	noHan := []string{"list.sep"} // a list separator is punctuation
	verbs := regexp.MustCompile(`%[-+ #0-9.]*[a-zA-Z%]`)
	// commands to copy, and example addresses
	quoted := regexp.MustCompile("`[^`]*`|（sesame [a-z -]+）|[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+")
	for k, z := range zh {
		if !slices.Contains(noHan, k) && !strings.ContainsFunc(z, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("zh %s = %q is not Chinese", k, z)
		}
		for _, w := range regexp.MustCompile(`[A-Za-z]{2,}`).FindAllString(quoted.ReplaceAllString(z, ""), -1) {
			if !slices.Contains(latinAllowed, w) {
				t.Errorf("zh %s = %q has the English word %q", k, z, w)
			}
		}
		// In the same order: T formats them positionally.
		if a, b := verbs.FindAllString(en[k], -1), verbs.FindAllString(z, -1); !slices.Equal(a, b) {
			t.Errorf("%s: en takes %v, zh %v", k, a, b)
		}
	}
	if brand := zh["app.name"]; brand != "开明信用" || strings.Contains(zh["home.title"], "芝麻") {
		t.Errorf("the Chinese name is %q / %q", brand, zh["home.title"])
	}
	for k, z := range zh {
		if strings.Contains(z, "芝麻") || strings.Contains(z, "Sesame") {
			t.Errorf("zh %s = %q names another brand or the English name", k, z)
		}
	}
}

// The keys the portal builds from domain values — event kinds, error codes,
// products, features a person can change, and the policies' and sources'
// vocabularies — are in both catalogs; a shipped product's English name is
// the one its policy file gives.
func TestDomainKeysInBothLanguages(t *testing.T) {
	en, zh := readCatalog(t, "en"), readCatalog(t, "zh")
	var keys []string
	for _, k := range sesame.Kinds() {
		keys = append(keys, "kind."+string(k))
	}
	for _, c := range []string{sesame.EINVALID, sesame.ENOTFOUND, sesame.ECONFLICT, sesame.EFORBIDDEN, sesame.EUNAUTHORIZED, sesame.ETOOLARGE, sesame.ERATELIMITED, sesame.EUNAVAILABLE, sesame.EINTERNAL} {
		keys = append(keys, "error.code."+c)
	}
	for _, d := range feature.Catalogue() {
		if d.Actionable {
			keys = append(keys, "feature."+d.Name)
		}
	}
	for _, c := range sesame.WaivableChecks {
		keys = append(keys, "check."+c)
	}
	for _, c := range sesame.BillCategories {
		keys = append(keys, "bill."+c)
	}
	for _, e := range sesame.Educations {
		keys = append(keys, "education."+e)
	}
	for _, e := range sesame.Employments {
		keys = append(keys, "employment."+e)
	}
	keys = append(keys, "lane.fast", "lane.standard", "tier.standard", "tier.fast", "tier.priority",
		"notice.topic."+sesame.TopicAccess, "notice.topic."+sesame.TopicScoreChanged, "notice.topic."+sesame.TopicConsentExpiring,
		"notice.topic.dispute.opened", "notice.topic.dispute.answered", "notice.topic.dispute.suppressed")
	catalog, err := policy.NewCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range catalog.Products() {
		keys = append(keys, "product."+p.ID)
		if en["product."+p.ID] != p.Name {
			t.Errorf("product.%s is %q in the catalog, %q in its policy", p.ID, en["product."+p.ID], p.Name)
		}
	}
	for _, k := range keys {
		if en[k] == "" || zh[k] == "" {
			t.Errorf("%s: en %q, zh %q", k, en[k], zh[k])
		}
	}
}
