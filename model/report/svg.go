package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// A tiny SVG chart kit: enough for lines, steps and bars with axes. Charts
// are fixed-size and scale with the page through the viewBox.

const (
	chartW, chartH = 420, 260
	padL, padR     = 48, 12
	padT, padB     = 28, 36
)

// series is one line or set of bars.
type series struct {
	name   string
	color  string
	points [][2]float64
	bars   bool // draw bars of width barW centred on x
	barW   float64
	dashed bool
}

// chart draws series in a box with axes from (x0,y0) to (x1,y1).
type chart struct {
	title, xlabel, ylabel string
	x0, x1, y0, y1        float64
	series                []series
}

func (c *chart) sx(x float64) float64 {
	return padL + (x-c.x0)/(c.x1-c.x0)*(chartW-padL-padR)
}

func (c *chart) sy(y float64) float64 {
	return chartH - padB - (y-c.y0)/(c.y1-c.y0)*(chartH-padT-padB)
}

// fit sets the y range from the data when it was left zero.
func (c *chart) fit() {
	if c.y0 == c.y1 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range c.series {
			for _, p := range s.points {
				lo, hi = math.Min(lo, p[1]), math.Max(hi, p[1])
			}
		}
		if lo > 0 && (hi-lo) > lo {
			lo = 0
		}
		if lo == hi {
			lo, hi = lo-1, hi+1
		}
		pad := (hi - lo) * 0.05
		c.y0, c.y1 = lo-pad, hi+pad
	}
}

func (c *chart) svg() string {
	c.fit()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, chartH, html.EscapeString(c.title))
	fmt.Fprintf(&b, `<text x="%d" y="16" class="t">%s</text>`, padL, html.EscapeString(c.title))
	// Axes and ticks.
	fmt.Fprintf(&b, `<path d="M%d %d V%d H%d" class="ax"/>`, padL, padT, chartH-padB, chartW-padR)
	for i := 0; i <= 4; i++ {
		x := c.x0 + float64(i)*(c.x1-c.x0)/4
		y := c.y0 + float64(i)*(c.y1-c.y0)/4
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="k" text-anchor="middle">%s</text>`, c.sx(x), chartH-padB+14, tick(x))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="k" text-anchor="end">%s</text>`, padL-4, c.sy(y)+4, tick(y))
		fmt.Fprintf(&b, `<path d="M%d %.1f H%d" class="g"/>`, padL, c.sy(y), chartW-padR)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="k" text-anchor="middle">%s</text>`, (padL+chartW-padR)/2, chartH-4, html.EscapeString(c.xlabel))
	fmt.Fprintf(&b, `<text x="12" y="%d" class="k" transform="rotate(-90 12 %d)" text-anchor="middle">%s</text>`, chartH/2, chartH/2, html.EscapeString(c.ylabel))
	for i, s := range c.series {
		if s.bars {
			for _, p := range s.points {
				x0, x1 := c.sx(p[0]-s.barW/2), c.sx(p[0]+s.barW/2)
				base := math.Min(math.Max(0, c.y0), c.y1) // bars grow from 0, or the axis if 0 is off-chart
				top, h := c.sy(math.Max(base, p[1])), math.Abs(c.sy(p[1])-c.sy(base))
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.6"/>`, x0, top, math.Max(x1-x0, 0.5), h, s.color)
			}
		} else {
			var d strings.Builder
			for k, p := range s.points {
				cmd := "L"
				if k == 0 {
					cmd = "M"
				}
				fmt.Fprintf(&d, "%s%.1f %.1f ", cmd, c.sx(p[0]), c.sy(p[1]))
			}
			dash := ""
			if s.dashed {
				dash = ` stroke-dasharray="4 3"`
			}
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.8"%s/>`, d.String(), s.color, dash)
		}
		if s.name != "" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="k" fill="%s">■ %s</text>`, chartW-padR-130, padT+12+14*i, s.color, html.EscapeString(s.name))
		}
	}
	b.WriteString("</svg>")
	return b.String()
}

func tick(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.0f", v)
	case a >= 1:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
