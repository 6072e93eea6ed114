package portal

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// The charts are SVG drawn here, in Go: no chart library, no script, nothing
// from another origin, and they render the same with JavaScript off. Each
// carries a <title> and a <desc> that say in words what it shows, for
// screen readers. Colours are set with presentation attributes because the
// CSP forbids inline style attributes.

// bandColour is the colour of each band on the gauge and the legend; each
// has at least 3:1 contrast against white, as graphical objects need.
var bandColour = map[sesame.Band]string{
	sesame.Poor:      "#b3261e",
	sesame.Fair:      "#c25e00",
	sesame.Good:      "#8a6d00",
	sesame.VeryGood:  "#2e7d32",
	sesame.Excellent: "#1b5e20",
}

func esc(s string) string { return html.EscapeString(s) }

// scoreAngle maps 350…950 to π…0 (left to right over the top).
func scoreAngle(s int) float64 {
	f := float64(sesame.ClampScore(s)-sesame.MinScore) / float64(sesame.MaxScore-sesame.MinScore)
	return math.Pi * (1 - f)
}

func polar(cx, cy, r, a float64) (float64, float64) { return cx + r*math.Cos(a), cy - r*math.Sin(a) }

// gaugeSVG draws the score on a 350–950 half dial coloured by band.
func gaugeSVG(l *Locale, s *sesame.Score) template.HTML {
	const cx, cy, r = 160.0, 160.0, 130.0
	var b strings.Builder
	band := sesame.BandOf(s.Score)
	title := l.T("chart.gauge.title")
	desc := l.T("chart.gauge.desc", s.Score, l.T("band."+string(band)))
	fmt.Fprintf(&b, `<svg class="chart gauge" viewBox="0 0 320 195" role="img" aria-labelledby="gauge-t gauge-d" data-chart="gauge" data-score="%d">`, s.Score)
	fmt.Fprintf(&b, `<title id="gauge-t">%s</title><desc id="gauge-d">%s</desc>`, esc(title), esc(desc))
	for i, x := range sesame.Bands {
		hi := sesame.MaxScore
		if i+1 < len(sesame.Bands) {
			hi = sesame.Bands[i+1].Min
		}
		x1, y1 := polar(cx, cy, r, scoreAngle(x.Min))
		x2, y2 := polar(cx, cy, r, scoreAngle(hi))
		opacity := "0.35"
		if x.Band == band {
			opacity = "1"
		}
		fmt.Fprintf(&b, `<path d="M%.1f %.1f A%.0f %.0f 0 0 1 %.1f %.1f" fill="none" stroke="%s" stroke-width="22" stroke-opacity="%s"/>`,
			x1, y1, r, r, x2, y2, bandColour[x.Band], opacity)
	}
	// The marker: a ring on the arc at the score, the number in the middle.
	mx, my := polar(cx, cy, r, scoreAngle(s.Score))
	fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="13" fill="#fff" stroke="#1f2933" stroke-width="4" class="gauge-marker"/>`, mx, my)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" class="gauge-score">%d</text>`, cx, cy-20, s.Score)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" class="gauge-band" fill="%s">%s</text>`, cx, cy+12, bandColour[band], esc(l.T("band."+string(band))))
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" class="axis">%d</text>`, cx-r, cy+30, sesame.MinScore)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" class="axis">%d</text>`, cx+r, cy+30, sesame.MaxScore)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// radarSVG draws the five dimension sub-scores, each axis 350 (centre) to 950.
func radarSVG(l *Locale, dims []sesame.DimensionScore) template.HTML {
	const cx, cy, R = 170.0, 145.0, 95.0
	byDim := map[sesame.Dimension]int{}
	for _, d := range dims {
		byDim[d.Dimension] = d.Score
	}
	n := len(sesame.Dimensions)
	angle := func(i int) float64 { return math.Pi/2 - 2*math.Pi*float64(i)/float64(n) }
	var b strings.Builder
	var words []string
	for _, d := range sesame.Dimensions {
		words = append(words, fmt.Sprintf("%s %d", l.T("dim."+string(d)), byDim[d]))
	}
	// The view box leaves room for the longest label on either side at
	// the phone's larger font ("Connections 662" at 17px), so none is cut.
	fmt.Fprintf(&b, `<svg class="chart radar" viewBox="-110 15 560 265" role="img" aria-labelledby="radar-t radar-d" data-chart="radar">`)
	fmt.Fprintf(&b, `<title id="radar-t">%s</title><desc id="radar-d">%s</desc>`, esc(l.T("chart.radar.title")), esc(strings.Join(words, "; ")))
	for _, ring := range []float64{0.25, 0.5, 0.75, 1} {
		var pts []string
		for i := range n {
			x, y := polar(cx, cy, R*ring, angle(i))
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		fmt.Fprintf(&b, `<polygon points="%s" fill="none" stroke="#cbd2d9" stroke-width="1"/>`, strings.Join(pts, " "))
	}
	var pts []string
	for i, d := range sesame.Dimensions {
		ax, ay := polar(cx, cy, R, angle(i))
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.1f" y2="%.1f" stroke="#cbd2d9"/>`, cx, cy, ax, ay)
		v := 0.0
		if s, ok := byDim[d]; ok {
			v = float64(sesame.ClampScore(s)-sesame.MinScore) / float64(sesame.MaxScore-sesame.MinScore)
		}
		x, y := polar(cx, cy, R*v, angle(i))
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		lx, ly := polar(cx, cy, R+18, angle(i))
		anchor := "middle"
		if lx < cx-10 {
			anchor = "end"
		} else if lx > cx+10 {
			anchor = "start"
		}
		if ly > cy {
			ly += 10
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" class="axis">%s <tspan class="axis-value">%d</tspan></text>`,
			lx, ly, anchor, esc(l.T("dim."+string(d))), byDim[d])
	}
	fmt.Fprintf(&b, `<polygon points="%s" fill="#1565c0" fill-opacity="0.25" stroke="#1565c0" stroke-width="2"/>`, strings.Join(pts, " "))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartMonths is how many months the history chart spans at most.
const chartMonths = 24

// monthly keeps the last scored point of each calendar month, oldest
// first, for the last chartMonths months: a month's rescores are one point
// on a monthly chart, as the credit apps people know draw it.
func monthly(history []sesame.ScorePoint) []sesame.ScorePoint {
	var pts []sesame.ScorePoint
	for _, p := range history {
		if p.Status == sesame.StatusScored {
			pts = append(pts, p)
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].AsOf.Before(pts[j].AsOf) })
	var out []sesame.ScorePoint
	for _, p := range pts {
		if n := len(out); n > 0 && sameMonth(out[n-1].AsOf, p.AsOf) {
			out[n-1] = p
			continue
		}
		out = append(out, p)
	}
	return out[max(0, len(out)-chartMonths):]
}

func sameMonth(a, b time.Time) bool {
	a, b = a.UTC(), b.UTC()
	return a.Year() == b.Year() && a.Month() == b.Month()
}

// historySVG draws the person's monthly scores, oldest to newest, with
// the band boundaries as guides and the months named under the axis.
func historySVG(l *Locale, history []sesame.ScorePoint) template.HTML {
	const w, h, left, right, top, bottom = 640.0, 240.0, 44.0, 16.0, 12.0, 32.0
	pts := monthly(history)
	var b strings.Builder
	var words []string
	for _, p := range pts {
		words = append(words, fmt.Sprintf("%s: %d", l.Month(p.AsOf), p.Score))
	}
	desc := l.T("chart.history.empty")
	if len(words) > 0 {
		desc = strings.Join(words, "; ")
	}
	fmt.Fprintf(&b, `<svg class="chart history" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="hist-t hist-d" data-chart="history" data-points="%d">`, w, h, len(pts))
	fmt.Fprintf(&b, `<title id="hist-t">%s</title><desc id="hist-d">%s</desc>`, esc(l.T("chart.history.title")), esc(desc))
	// The y axis spans the scores shown, padded to whole 50s, so that a
	// year of small moves is visible; band boundaries inside it are drawn.
	lo, hi := sesame.MaxScore, sesame.MinScore
	for _, p := range pts {
		lo, hi = min(lo, p.Score), max(hi, p.Score)
	}
	if len(pts) == 0 {
		lo, hi = sesame.MinScore, sesame.MaxScore
	}
	lo = max(sesame.MinScore, (lo-25)/50*50)
	hi = min(sesame.MaxScore, (hi+75)/50*50)
	y := func(s int) float64 {
		return top + (h-top-bottom)*(1-float64(s-lo)/float64(hi-lo))
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" class="axis">%d</text>`, left-6, y(hi)+4, hi)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" class="axis">%d</text>`, left-6, y(lo)+4, lo)
	for _, x := range sesame.Bands {
		if x.Min <= lo || x.Min >= hi {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="4 4" stroke-opacity="0.6"/>`, left, w-right, y(x.Min), y(x.Min), bandColour[x.Band])
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" class="axis">%d</text>`, left-6, y(x.Min)+4, x.Min)
	}
	fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.0f" y2="%.0f" stroke="#52606d"/>`, left, w-right, h-bottom, h-bottom)
	fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.0f" y2="%.0f" stroke="#52606d"/>`, left, left, top, h-bottom)
	if len(pts) == 0 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" class="axis">%s</text></svg>`, w/2, h/2, esc(desc))
		return template.HTML(b.String())
	}
	t0, t1 := pts[0].AsOf, pts[len(pts)-1].AsOf
	span := t1.Sub(t0)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return (left + w - right) / 2
		}
		return left + (w-left-right)*float64(t.Sub(t0))/float64(span)
	}
	var line []string
	for _, p := range pts {
		line = append(line, fmt.Sprintf("%.1f,%.1f", x(p.AsOf), y(p.Score)))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1565c0" stroke-width="2.5" stroke-linejoin="round"/>`, strings.Join(line, " "))
	for _, p := range pts {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s: %d</title></circle>`, x(p.AsOf), y(p.Score), bandColour[sesame.BandOf(p.Score)], esc(l.Month(p.AsOf)), p.Score)
	}
	// Name every k-th month under the axis, at most six names, the
	// latest always among them.
	k := (len(pts) + 5) / 6
	for i := len(pts) - 1; i >= 0; i -= k {
		anchor := "middle"
		if i == len(pts)-1 && len(pts) > 1 {
			anchor = "end"
		} else if x(pts[i].AsOf) < left+40 {
			anchor = "start"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="%s" class="axis month">%s</text>`, x(pts[i].AsOf), h-12, anchor, esc(l.Month(pts[i].AsOf)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
