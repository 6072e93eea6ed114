package report

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"

	"github.com/sesame-credit/sesame/model"
)

const (
	blue, red, grey = "#1f6feb", "#d1242f", "#6e7781"
)

// HTML writes one self-contained page: the headline metrics, ROC, KS,
// calibration and score distribution charts, the band and fairness tables,
// and every feature's points shape.
func HTML(w io.Writer, m *model.Model, ev *model.Evaluation) error {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Sesame model report</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328;max-width:1300px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px}
svg{width:100%;height:auto;border:1px solid #d0d7de;border-radius:6px}
.t{font-weight:600;font-size:13px}.k{font-size:10px}.ax{stroke:#57606a;fill:none}.g{stroke:#eaeef2}
table{border-collapse:collapse;margin:8px 0}td,th{padding:2px 10px;border-bottom:1px solid #eaeef2;text-align:right}
th:first-child,td:first-child{text-align:left}
</style>`)
	fmt.Fprintf(&b, "<h1>Sesame %s model</h1><p>%d features, %d pairs; training data sha256 <code>%s</code> (%d rows, bad rate %.2f%%).</p>",
		html.EscapeString(m.Kind), len(m.Features), len(m.Interactions), m.Training.SHA256, m.Training.Rows, 100*m.Training.BadRate)
	fmt.Fprintf(&b, "<h2>Evaluation on %d rows</h2><table><tr><th>AUC</th><th>Gini</th><th>KS</th><th>Brier</th><th>log-loss</th></tr>"+
		"<tr><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr></table>", ev.Rows, ev.AUC, ev.Gini, ev.KS, ev.Brier, ev.LogLoss)
	b.WriteString(`<div class="grid">`)
	b.WriteString(rocChart(ev))
	b.WriteString(ksChart(ev))
	b.WriteString(calibrationChart(ev))
	b.WriteString(distributionChart(ev))
	b.WriteString("</div>")

	b.WriteString("<h2>Score bands</h2><table><tr><th>band</th><th>scores</th><th>rows</th><th>share</th><th>observed bad rate</th><th>predicted</th></tr>")
	for _, r := range ev.Bands {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%d–%d</td><td>%d</td><td>%.1f%%</td><td>%.2f%%</td><td>%.2f%%</td></tr>", r.Band, r.Min, r.Max, r.Rows, 100*r.Share, 100*r.BadRate, 100*r.Predicted)
	}
	b.WriteString("</table>")
	if d := ev.Drift; d != nil {
		fmt.Fprintf(&b, "<h2>Drift against the training population</h2><p>Population stability of the score and characteristic stability (CSI) of each input over its bins: below 0.1 stable, 0.1–0.25 watch, above %g shifted.</p>", model.PSIAlert)
		fmt.Fprintf(&b, "<table><tr><th>term</th><th>PSI / CSI</th><th></th></tr><tr><td>score</td><td>%.4f</td><td>%s</td></tr>", d.Score, psiVerdict(d.Score))
		for _, f := range m.Features {
			if csi, ok := d.Features[f.Name]; ok {
				fmt.Fprintf(&b, "<tr><td>%s</td><td>%.4f</td><td>%s</td></tr>", html.EscapeString(f.Name), csi, psiVerdict(csi))
			}
		}
		b.WriteString("</table>")
	}
	if f := ev.Fairness; f != nil {
		fmt.Fprintf(&b, "<h2>Fairness at cutoff %d</h2><table><tr><th>group</th><th>rows</th><th>bad rate</th><th>mean score</th><th>AUC</th><th>approval</th></tr>", f.Cutoff)
		for _, g := range f.Groups {
			fmt.Fprintf(&b, "<tr><td>%s</td><td>%d</td><td>%.2f%%</td><td>%.1f</td><td>%.4f</td><td>%.1f%%</td></tr>",
				html.EscapeString(g.Group), g.Rows, 100*g.BadRate, g.MeanScore, g.AUC, 100*g.ApprovalRate)
		}
		fmt.Fprintf(&b, "</table><p>Adverse impact ratio <b>%.3f</b> (below 0.8 fails the four-fifths rule).</p>", f.AdverseImpactRatio)
	}
	if ev.Audit != nil {
		htmlSections(&b, []cardSection{fairnessSection(ev.Audit)})
	}
	b.WriteString("<h2>Points per feature</h2><div class=\"grid\">")
	for i := range m.Features {
		b.WriteString(shapeChart(m, i))
	}
	b.WriteString("</div>")
	if len(m.Interactions) > 0 {
		b.WriteString("<h2>Points per pair</h2><p>Each cell is the points a person gets from the pair for the bins of its two features (bin 0 first, missing last); darker is more points.</p><div class=\"grid\">")
		for p := range m.Interactions {
			b.WriteString(pairChart(&m.Interactions[p]))
		}
		b.WriteString("</div>")
	}
	b.WriteString("</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func rocChart(ev *model.Evaluation) string {
	c := chart{title: fmt.Sprintf("ROC (AUC %.4f)", ev.AUC), xlabel: "share of goods declined (FPR)", ylabel: "share of bads caught (TPR)", x1: 1, y1: 1}
	var pts [][2]float64
	for _, p := range thin(ev.ROC, 400) {
		pts = append(pts, [2]float64{p.FPR, p.TPR})
	}
	c.series = []series{{name: "model", color: blue, points: pts}, {color: grey, points: [][2]float64{{0, 0}, {1, 1}}, dashed: true}}
	return c.svg()
}

// ksChart plots the cumulative shares of bads and goods by score.
func ksChart(ev *model.Evaluation) string {
	type sy struct {
		s int
		y float64
	}
	rows := make([]sy, len(ev.Scores))
	var B, G float64
	for i, s := range ev.Scores {
		rows[i] = sy{s, ev.Labels[i]}
		if ev.Labels[i] == 1 {
			B++
		} else {
			G++
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].s < rows[j].s })
	var bads, goods [][2]float64
	var cb, cg float64
	for i, r := range rows {
		if r.y == 1 {
			cb++
		} else {
			cg++
		}
		if i == len(rows)-1 || rows[i+1].s != r.s {
			bads = append(bads, [2]float64{float64(r.s), cb / B})
			goods = append(goods, [2]float64{float64(r.s), cg / G})
		}
	}
	c := chart{title: fmt.Sprintf("KS %.4f", ev.KS), xlabel: "score", ylabel: "cumulative share", x0: 350, x1: 950, y1: 1}
	c.series = []series{{name: "bads", color: red, points: bads}, {name: "goods", color: blue, points: goods}}
	return c.svg()
}

func calibrationChart(ev *model.Evaluation) string {
	hi := 0.0
	var pts [][2]float64
	for _, r := range ev.Calibration {
		pts = append(pts, [2]float64{r.Predicted, r.Observed})
		hi = max(hi, r.Predicted, r.Observed)
	}
	c := chart{title: "Calibration (deciles)", xlabel: "predicted bad rate", ylabel: "observed bad rate", x1: hi * 1.05, y1: hi * 1.05}
	c.series = []series{{name: "model", color: blue, points: pts}, {color: grey, points: [][2]float64{{0, 0}, {hi * 1.05, hi * 1.05}}, dashed: true}}
	return c.svg()
}

// distributionChart is a histogram of scores by class, each class as shares
// of its own rows so both are visible whatever the bad rate.
func distributionChart(ev *model.Evaluation) string {
	const width = 20
	nb := (950 - 350) / width
	hb, hg := make([]float64, nb+1), make([]float64, nb+1)
	var B, G float64
	for i, s := range ev.Scores {
		k := min(max((s-350)/width, 0), nb)
		if ev.Labels[i] == 1 {
			hb[k]++
			B++
		} else {
			hg[k]++
			G++
		}
	}
	var bads, goods [][2]float64
	for k := range hb {
		x := 350 + float64(k*width) + width/2
		bads = append(bads, [2]float64{x - width/4, hb[k] / B})
		goods = append(goods, [2]float64{x + width/4, hg[k] / G})
	}
	c := chart{title: "Score distribution by class", xlabel: "score", ylabel: "share of class", x0: 350, x1: 950}
	c.series = []series{{name: "bads", color: red, points: bads, bars: true, barW: width / 2}, {name: "goods", color: blue, points: goods, bars: true, barW: width / 2}}
	return c.svg()
}

// shapeChart draws a feature's points per bin: a step line over the ordered
// bins, and the special and missing bins as separate labelled bars.
func shapeChart(m *model.Model, i int) string {
	f := &m.Features[i]
	var pts [][2]float64
	for k, bin := range f.Bins {
		pts = append(pts, [2]float64{float64(k), float64(bin.Points)})
	}
	title := fmt.Sprintf("%s (%s)", f.Name, f.Dimension)
	if f.Monotone != 0 {
		title += fmt.Sprintf(", monotone %+d", f.Monotone)
	}
	c := chart{title: title, xlabel: fmt.Sprintf("bin (0 = %s … last = missing)", f.Bins[0].Label), ylabel: "points",
		x0: -0.5, x1: float64(len(f.Bins)) - 0.5}
	c.series = []series{{color: blue, points: pts, bars: true, barW: 0.8}}
	return c.svg()
}

// thin keeps at most n points of a curve, always the first and last.
func thin(c []model.ROCPoint, n int) []model.ROCPoint {
	if len(c) <= n {
		return c
	}
	out := make([]model.ROCPoint, 0, n+1)
	for k := 0; k < n; k++ {
		out = append(out, c[k*len(c)/n])
	}
	return append(out, c[len(c)-1])
}

// pairChart draws a pair's points table as a heat map: rows are the first
// feature's bins, columns the second's.
func pairChart(in *model.Interaction) string {
	na, nb := len(in.Points), len(in.Points[0])
	lo, hi := in.Points[0][0], in.Points[0][0]
	for _, row := range in.Points {
		for _, v := range row {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, chartH, html.EscapeString(in.Name))
	fmt.Fprintf(&b, `<text x="%d" y="16" class="t">%s (%d to %d points)</text>`, padL, html.EscapeString(in.Name), lo, hi)
	cw := float64(chartW-padL-padR) / float64(nb)
	ch := float64(chartH-padT-padB) / float64(na)
	for a := range na {
		for c := range nb {
			shade := 0.0
			if hi > lo {
				shade = float64(in.Points[a][c]-lo) / float64(hi-lo)
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="%.2f"><title>%s %s, %s %s: %d points</title></rect>`,
				float64(padL)+float64(c)*cw, float64(padT)+float64(a)*ch, cw, ch, blue, 0.05+0.95*shade,
				html.EscapeString(in.Features[0]), html.EscapeString(in.Labels[0][a]), html.EscapeString(in.Features[1]), html.EscapeString(in.Labels[1][c]), in.Points[a][c])
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="k" text-anchor="middle">%s bins</text>`, (padL+chartW-padR)/2, chartH-8, html.EscapeString(in.Features[1]))
	fmt.Fprintf(&b, `<text x="12" y="%d" class="k" transform="rotate(-90 12 %d)" text-anchor="middle">%s bins</text>`, chartH/2, chartH/2, html.EscapeString(in.Features[0]))
	b.WriteString("</svg>")
	return b.String()
}
