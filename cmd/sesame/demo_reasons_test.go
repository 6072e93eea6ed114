package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/simulate"
)

// TestDemoReasonsAreActionable is issue 16's acceptance check, on the
// default demo population (5,000 people, seed 1, built by the demo's own
// steps) and over 300 people's GET /v1/people/{id}/score in English and in
// Chinese: no reason names two factors; none cites age, education, sex or
// marital status; none is a cutoff; every reason has a catalogue code; the
// zh-CN texts are Chinese; at least 90% of people below 700 get a tip;
// every reason whose factor the person can change comes with a tip; and a
// fifth reason, if any, is recent applications for credit.
func TestDemoReasonsAreActionable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 5,000-person demo population")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := buildDemo(ctx, db, 5000, 1, func(string) {}); err != nil {
		t.Fatal(err)
	}
	// Every declared direction holds on the demo model's shapes, and no
	// sensitive attribute is an input.
	svc, st, err := openScoreService(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	_, artifact, err := svc.Models.ActiveModel(ctx)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Read(bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Features {
		d, _ := feature.Lookup(f.Name)
		if d.Sensitive() != "" {
			t.Errorf("%s (%s) is an input of the demo model", f.Name, d.Sensitive())
		}
		if d.Direction == feature.Neutral {
			continue
		}
		for k := 1; k < f.NumBins() && k < len(f.Cuts)+1; k++ {
			if (f.Bins[k].Points-f.Bins[k-1].Points)*int(d.Direction) < 0 {
				t.Errorf("%s: bin %d has %d points, bin %d %d: its declared direction is broken", f.Name, k-1, f.Bins[k-1].Points, k, f.Bins[k].Points)
			}
		}
	}
	addr := freeAddr(t)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--addr", addr, "--operator-token", "op-token", "--log-format", "text"})
	}()
	defer func() { cancel(); <-done }()
	base := "http://" + addr
	waitReady(t, base)

	get := func(person, lang string) sesame.Score {
		req, _ := http.NewRequest("GET", base+"/v1/people/"+person+"/score", nil)
		req.Header.Set("Authorization", "Bearer op-token")
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s (%s): %d %s", person, lang, resp.StatusCode, body)
		}
		var s sesame.Score
		if err := json.Unmarshal(body, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	codes := map[string]bool{}
	for _, c := range feature.ReasonCodes() {
		codes[c.Code] = true
	}
	actionable := map[string]bool{} // features a person can change by their own action
	for _, d := range feature.Catalogue() {
		actionable[d.Name] = d.Actionable
	}
	sensitiveWords := regexp.MustCompile(`(?i)\b(age|aged|education|educated|sex|gender|marital|married|single|divorced|widowed)\b|年龄|学历|性别|婚姻`)
	cutoffWords := regexp.MustCompile(`(?i)score (is )?below|qualifying score|needs? \d{3}|分数低于|评分低于`)
	var people, reasons, below700, below700Tipped, actionableReasons, answered, withInquiries, fifth int
	for i := 1; people < 300; i++ {
		id := simulate.PersonID(i)
		en, zh := get(id, "en"), get(id, "zh-CN,zh;q=0.9,en;q=0.5")
		if en.Status != sesame.StatusScored {
			continue
		}
		people++
		if len(en.Reasons) > sesame.MaxReasons+1 || len(zh.Reasons) != len(en.Reasons) {
			t.Fatalf("%s: %d reasons in English, %d in Chinese", id, len(en.Reasons), len(zh.Reasons))
		}
		// A fifth reason is recent applications for credit, costing points
		// but fewer than the fourth; applications are never given twice.
		inquiries := 0
		for k, r := range en.Reasons {
			if r.Code == sesame.ReasonInquiries {
				inquiries++
				withInquiries++
				if k == sesame.MaxReasons {
					fifth++
				}
			}
		}
		if inquiries > 1 || len(en.Reasons) == sesame.MaxReasons+1 && (en.Reasons[4].Code != sesame.ReasonInquiries || en.Reasons[4].PointsLost > en.Reasons[3].PointsLost) {
			t.Errorf("%s: reasons %+v: only recent applications may come fifth, once", id, en.Reasons)
		}
		tipCodes := map[string]bool{}
		for _, tip := range en.Tips {
			tipCodes[tip.Code] = true
			if tip.Goal == "" {
				t.Errorf("%s: tip %+v does not state its target in the person's unit", id, tip)
			}
		}
		for k, r := range en.Reasons {
			reasons++
			z := zh.Reasons[k]
			switch {
			case !codes[r.Code] || z.Code != r.Code:
				t.Errorf("%s: reason %+v has no catalogue code (zh %q)", id, r, z.Code)
			case feature.Index(r.Feature) < 0 || strings.Contains(r.Text, "together with") || strings.Contains(r.Feature, "×"):
				t.Errorf("%s: reason %+v names more than one factor", id, r)
			case r.Feature == "age_years" || r.Feature == "education_level" || sensitiveWords.MatchString(r.Text) || sensitiveWords.MatchString(z.Text):
				t.Errorf("%s: reason %+v / %q cites a sensitive attribute", id, r, z.Text)
			case cutoffWords.MatchString(r.Text) || cutoffWords.MatchString(z.Text):
				t.Errorf("%s: reason %q is a cutoff", id, r.Text)
			case !chinese(z.Text):
				t.Errorf("%s: zh-CN reason %q is not Chinese", id, z.Text)
			case r.PointsLost <= 0:
				t.Errorf("%s: reason %+v costs no points", id, r)
			}
			// A factor the person can change: an actionable feature with a
			// value (no card at all is no utilisation to pay down).
			if actionable[r.Feature] && r.Value != "" {
				actionableReasons++
				if tipCodes[r.Code] {
					answered++
				} else {
					t.Errorf("%s: reason %+v can be acted on but no tip answers it (tips %+v)", id, r, en.Tips)
				}
			}
		}
		if en.Score < 700 {
			below700++
			if len(en.Tips) > 0 {
				below700Tipped++
			}
		}
	}
	// What-if speaks the person's units and refuses impossible values with a
	// 400 naming the field and its range.
	for _, v := range []string{"-1", "1e9"} {
		req, _ := http.NewRequest("POST", base+"/v1/people/"+simulate.PersonID(1)+"/score/what-if",
			strings.NewReader(`{"features":{"utilisation_now":`+v+`}}`))
		req.Header.Set("Authorization", "Bearer op-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), "features.utilisation_now") || !strings.Contains(string(body), "0% to 1000%") {
			t.Errorf("what-if utilisation_now %s: %d %s; want 400 naming the field and its range", v, resp.StatusCode, body)
		}
	}
	share := float64(below700Tipped) / float64(max(below700, 1))
	t.Logf("%d people, %d reasons, all coded, none a pair, a cutoff or a sensitive attribute, zh-CN all Chinese", people, reasons)
	t.Logf("recent applications for credit a reason for %d people, the fifth for %d", withInquiries, fifth)
	t.Logf("people below 700 with a tip: %d of %d (%.1f%%)", below700Tipped, below700, 100*share)
	t.Logf("reasons the person can act on with a tip answering them: %d of %d", answered, actionableReasons)
	if below700 == 0 || share < 0.9 {
		t.Errorf("%d of %d people below 700 get a tip (%.1f%%), want at least 90%%", below700Tipped, below700, 100*share)
	}
}

// chinese reports whether s is written in Chinese: it has Han characters
// and no Latin word longer than a unit ("km") would be.
func chinese(s string) bool {
	han := false
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			han = true
		}
	}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) || r > unicode.MaxLatin1 }) {
		if len(w) > 2 {
			return false
		}
	}
	return han
}
