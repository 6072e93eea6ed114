package portal

import (
	"cmp"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/score"
)

// historyLimit is how many past scores the home page reads to chart the
// last chartMonths months: a person rescored at every new record has many
// scores a month, of which the chart keeps each month's last.
const historyLimit = 1000

type homeData struct {
	Score   *sesame.Score
	NoScore bool // no score stored yet
	Gauge   template.HTML
	Radar   template.HTML
	History template.HTML
	// Months is how many months the history chart has a score for.
	Months  int
	Dims    []dimRow
	Reasons []sesame.Reason
	Tips    []sesame.Tip
	WhatIf  *whatIfResult // set when the what-if form was posted without JavaScript
	// WhatIfFeature, WhatIfValue refill the form.
	WhatIfFeature string
	WhatIfValue   string
}

type dimRow struct {
	Dimension sesame.Dimension `json:"dimension"`
	Label     string           `json:"label"`
	Score     int              `json:"score"`
	Points    float64          `json:"points"` // the dimension's share of the score's points
	Then      int              `json:"then,omitempty"`
	Delta     int              `json:"delta"`
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request, person string) {
	v := p.newView(w, r, "home.title", "home")
	v.Person = person
	d, err := p.homeData(r, v.L, person)
	if err != nil {
		p.fail(w, r, v, err)
		return
	}
	v.Data = d
	p.render(w, http.StatusOK, "home", v)
}

func (p *Portal) homeData(r *http.Request, l *Locale, person string) (*homeData, error) {
	d := &homeData{}
	s, err := p.cfg.Scores.LatestScore(r.Context(), person)
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		d.NoScore = true
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	// Reasons, tips and what is missing in the person's language, from
	// their codes and values.
	loc := score.Localized(s, l.Code())
	loc = withCurrency(loc, p.personCurrency(r.Context(), person), l.Code())
	d.Score = loc
	if s.Status != sesame.StatusScored {
		return d, nil
	}
	hist, err := p.cfg.Scores.History(r.Context(), person, historyLimit)
	if err != nil {
		return nil, err
	}
	d.Gauge = gaugeSVG(l, s)
	d.Radar = radarSVG(l, s.Dimensions)
	d.History = historySVG(l, hist)
	d.Months = len(monthly(hist))
	for _, dim := range s.Dimensions {
		d.Dims = append(d.Dims, dimRow{Dimension: dim.Dimension, Label: l.T("dim." + string(dim.Dimension)), Score: dim.Score, Points: dim.Points})
	}
	d.Reasons, d.Tips = loc.Reasons, loc.Tips
	if len(s.Tips) > 0 {
		d.WhatIfFeature = s.Tips[0].Feature
		d.WhatIfValue = cmp.Or(loc.Tips[0].Goal, formatNumber(s.Tips[0].Target))
	}
	return d, nil
}

// whatIfResult is the answer of the what-if panel, as JSON for the script
// and as data for the page when posted without JavaScript.
type whatIfResult struct {
	Feature string   `json:"feature"`
	Value   float64  `json:"value"`
	Now     int      `json:"now"`
	Then    int      `json:"then"`
	Delta   int      `json:"delta"`
	Band    string   `json:"band"` // the hypothetical band, translated
	Dims    []dimRow `json:"dimensions"`
	Summary string   `json:"summary"` // one translated sentence
}

func (p *Portal) whatIf(w http.ResponseWriter, r *http.Request, person string) {
	l := p.locale(r)
	feature := strings.TrimSpace(r.PostFormValue("feature"))
	raw := strings.TrimSpace(r.PostFormValue("value"))
	value, perr := parseWhatIfValue(raw)
	var err error
	var res *whatIfResult
	switch {
	case feature == "" || len(feature) > 128:
		err = userError(sesame.EINVALID, l.T("whatif.err.feature"))
	case perr != nil || math.IsNaN(value) || math.IsInf(value, 0):
		err = userError(sesame.EINVALID, l.T("whatif.err.value"))
	default:
		if res, err = p.computeWhatIf(r, l, person, feature, value); err != nil {
			err = whatIfError(l, feature, value, err)
		}
	}
	if wantsJSON(r) {
		if err != nil {
			writeJSONError(w, l.localized(err))
			return
		}
		writeJSON(w, http.StatusOK, res)
		return
	}
	v := p.newView(w, r, "home.title", "home")
	v.Person = person
	d, herr := p.homeData(r, v.L, person)
	if herr != nil {
		p.fail(w, r, v, herr)
		return
	}
	d.WhatIfFeature, d.WhatIfValue = feature, raw
	status := http.StatusOK
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			p.fail(w, r, v, err)
			return
		}
		v.Error, status = v.L.errorText(err), statusOf(err)
	}
	d.WhatIf = res
	v.Data = d
	p.render(w, status, "home", v)
}

func (p *Portal) computeWhatIf(r *http.Request, l *Locale, person, feature string, value float64) (*whatIfResult, error) {
	now, then, err := p.cfg.Scores.WhatIf(r.Context(), person, map[string]float64{feature: value})
	if err != nil {
		return nil, err
	}
	if now.Status != sesame.StatusScored || then.Status != sesame.StatusScored {
		return nil, userError(sesame.ECONFLICT, l.T("home.noscore"))
	}
	res := &whatIfResult{Feature: feature, Value: value, Now: now.Score, Then: then.Score, Delta: then.Score - now.Score,
		Band: l.T("band." + string(sesame.BandOf(then.Score)))}
	thenDims := map[sesame.Dimension]int{}
	for _, d := range then.Dimensions {
		thenDims[d.Dimension] = d.Score
	}
	for _, d := range now.Dimensions {
		res.Dims = append(res.Dims, dimRow{Dimension: d.Dimension, Label: l.T("dim." + string(d.Dimension)), Score: d.Score,
			Then: thenDims[d.Dimension], Delta: thenDims[d.Dimension] - d.Score})
	}
	res.Summary = l.T("whatif.summary", res.Then, res.Band, signedInt(res.Delta))
	return res, nil
}

func signedInt(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// parseWhatIfValue reads a what-if value as a person writes it: a number,
// or a percentage ("10%" is 0.1), the unit tips speak in.
func parseWhatIfValue(raw string) (float64, error) {
	if pct, ok := strings.CutSuffix(raw, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
		return v / 100, err
	}
	return strconv.ParseFloat(raw, 64)
}
