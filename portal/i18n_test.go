package portal_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// Every Chinese message is Chinese — not an English one copied over — and
// takes the same arguments in the same order as its English one, so that
// neither language shows a %!d(string=…) or drops a figure.
func TestChineseCatalogIsChinese(t *testing.T) {
	en, zh := readCatalog(t, "en"), readCatalog(t, "zh")
	// Words written the same in Chinese: file formats, an algorithm's name.
	latinAllowed := []string{"JSON", "CSV", "zip", "EdDSA"}
	noHan := []string{"list.sep"} // a list separator is punctuation
	verbs := regexp.MustCompile(`%[-+ #0-9.]*[a-zA-Z%]`)
	quoted := regexp.MustCompile("`[^`]*`|（sesame [a-z -]+）") // commands to copy
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
