package score

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// Localized returns a score whose reason and tip sentences are in lang
// ("en", "zh-CN", …): src itself for English, else a copy rendered from the
// reasons' and tips' codes, features and values; src is never modified
// (stores may share it between readers). Scores are
// stored with English sentences; everything a sentence says is in its
// structured fields, so any reader can have it in their language. A reason
// or tip the catalogue does not know keeps its sentence.
func Localized(src *sesame.Score, lang string) *sesame.Score {
	if src == nil || !feature.Chinese(lang) {
		return src // stored sentences are English
	}
	c := *src
	s := &c
	s.Reasons, s.Tips, s.Missing = slices.Clone(src.Reasons), slices.Clone(src.Tips), slices.Clone(src.Missing)
	for i, m := range s.Missing {
		s.Missing[i] = feature.MissingSentence(m, lang)
	}
	for i := range s.Reasons {
		r := &s.Reasons[i]
		if t := feature.ReasonSentence(r.Feature, r.Value, lang); t != "" {
			r.Text = t
		}
	}
	for i := range s.Tips {
		t := &s.Tips[i]
		if a := feature.TipSentence(t.Feature, t.Target, lang); a != "" {
			t.Action = a
		}
	}
	return s
}

// PreferredLanguage picks the language of an Accept-Language header among
// the ones Sesame speaks: "zh-CN" when Chinese is preferred to English,
// else "en".
func PreferredLanguage(header string) string {
	bestLang, bestQ := "en", -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		tag = strings.ToLower(strings.TrimSpace(tag))
		var lang string
		switch {
		case feature.Chinese(tag):
			lang = "zh-CN"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			lang = "en"
		default:
			continue
		}
		if q > bestQ {
			bestLang, bestQ = lang, q
		}
	}
	return bestLang
}
