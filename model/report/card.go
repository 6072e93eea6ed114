package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/sesame-credit/sesame/model"
)

// A model card says, for one model version, what a regulator or an
// operator needs before trusting it: the data, the method, the metrics, the
// fairness audit, the constraints and the limits. CardMarkdown and CardHTML
// render the same card.

type cardSection struct {
	title  string
	paras  []string
	tables []cardTable
}

type cardTable struct {
	caption string
	head    []string
	rows    [][]string
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// card builds the card's sections from the artifact and the drift measured
// when the version was registered (nil: none was).
func card(m *model.Model, registered *model.Drift) []cardSection {
	var out []cardSection
	tr := m.Training
	use := tr.Use
	if use == "" {
		use = "Not stated when the model was trained."
	}
	out = append(out, cardSection{title: "Intended use", paras: []string{use}})
	dates := "The data's dates were not given (`model train --data-from … --data-to …`)."
	switch {
	case tr.From != "" && tr.To != "":
		dates = fmt.Sprintf("The rows describe %s to %s.", tr.From, tr.To)
	case tr.From != "":
		dates = fmt.Sprintf("The rows describe %s onwards.", tr.From)
	case tr.To != "":
		dates = fmt.Sprintf("The rows describe the period up to %s.", tr.To)
	}
	data := cardSection{title: "Data", paras: []string{
		fmt.Sprintf("Trained on %d rows (bad rate %s), label `%s`; data sha256 `%s`.", tr.Rows, pct(tr.BadRate), tr.Label, tr.SHA256),
		dates,
	}}
	if len(tr.Protected) > 0 {
		data.paras = append(data.paras, "Protected columns, never inputs, kept for the fairness audit: "+strings.Join(tr.Protected, ", ")+".")
	}
	if len(tr.Withheld) > 0 {
		data.paras = append(data.paras, "Sensitive columns withheld from the inputs (not allowed by the operator): "+strings.Join(tr.Withheld, ", ")+".")
	}
	if len(m.Params.Allow) > 0 {
		data.paras = append(data.paras, "Sensitive attributes the operator allowed as inputs: "+strings.Join(m.Params.Allow, ", ")+".")
	}
	if len(tr.Dropped) > 0 {
		why := make([]string, len(tr.Dropped))
		for i, d := range tr.Dropped {
			why[i] = strings.TrimSuffix(d, ": dropped") // each note is the warning train printed
		}
		data.paras = append(data.paras, "Dropped columns: "+strings.Join(why, "; ")+".")
	}
	out = append(out, data)

	out = append(out, cardSection{title: "Method", paras: []string{
		fmt.Sprintf("Kind %s: %d features and %d pair terms, each a table of bins to points; the score is the sum of the points, clamped to %d–%d (%g points at odds %g:1, %g points to double the odds).",
			m.Kind, len(m.Features), len(m.Interactions), m.Scaling.Min, m.Scaling.Max, m.Scaling.AnchorScore, m.Scaling.AnchorOdds, m.Scaling.PDO),
		fmt.Sprintf("Boosted in %d bags (learning rate %g); pairs screened from a fixed budget and kept only when they lower the out-of-bag log-loss by %g or more.", m.Params.Bags, m.Params.LearningRate, model.PairMinGain),
		"Reasons are exact: each factor's points lost against the best attainable, a pair's points split between its two factors by Shapley values.",
	}})

	v, t := m.Metrics.Validation, m.Metrics.Train
	held := "out-of-bag"
	if m.Training.HeldOut > 0 {
		held = "held out"
	}
	metrics := cardSection{title: "Metrics", tables: []cardTable{{
		head: []string{"rows", "AUC", "Gini", "KS", "Brier", "log-loss"},
		rows: [][]string{
			{fmt.Sprintf("%s %d", held, v.Rows), f4(v.AUC), f4(v.Gini), f4(v.KS), f4(v.Brier), f4(v.LogLoss)},
			{fmt.Sprintf("in-sample %d", t.Rows), f4(t.AUC), f4(t.Gini), f4(t.KS), f4(t.Brier), f4(t.LogLoss)},
		}}}}
	if m.Training.HeldOut > 0 {
		metrics.paras = append(metrics.paras, fmt.Sprintf("The held-out rows (%d, stratified) were set aside before training: no choice of training saw them, and these figures are this model's own.", m.Training.HeldOut))
	}
	if ci := m.Metrics.Intervals; ci != nil {
		iv := func(x [2]float64) string { return f4(x[0]) + " – " + f4(x[1]) }
		metrics.tables = append(metrics.tables, cardTable{
			caption: fmt.Sprintf("95%% confidence intervals of the held-out figures (%d bootstrap resamples)", ci.Resamples),
			head:    []string{"AUC", "KS", "Brier", "ECE"},
			rows:    [][]string{{iv(ci.AUC), iv(ci.KS), iv(ci.Brier), iv(ci.ECE)}},
		})
	}
	out = append(out, metrics)

	calib := cardSection{title: "Calibration", paras: []string{fmt.Sprintf(
		"Expected calibration error %s on the %s rows (row-weighted mean of |predicted − observed| bad rate over deciles of predicted risk).", f4(m.Metrics.ECE), held)}}
	if r := m.Metrics.Recalibration; r != nil {
		calib.paras = append(calib.paras, fmt.Sprintf("Recalibrated on the bags' out-of-bag predictions: ln odds ← %s + %s × ln odds, applied to every term.", f4(r.Shift), f4(r.Slope)))
	}
	ct := cardTable{caption: "Predicted against observed bad rate, deciles of predicted risk", head: []string{"rows", "predicted", "observed"}}
	for _, c := range m.Metrics.Calibration {
		ct.rows = append(ct.rows, []string{fmt.Sprint(c.Rows), pct(c.Predicted), pct(c.Observed)})
	}
	if len(ct.rows) > 0 {
		calib.tables = append(calib.tables, ct)
	}
	out = append(out, calib)

	drift := cardSection{title: "Drift"}
	if b := m.ScoreBaseline; b != nil {
		drift.paras = append(drift.paras, fmt.Sprintf("Baseline stored with the version: the training scores' deciles (cuts %v) and every input's bin counts. Each full rescore measures the scored population's PSI and each input's CSI against it (`sesame_model_psi` at /metrics); above %g the population has shifted.", b.Cuts, model.PSIAlert))
	} else {
		drift.paras = append(drift.paras, "No baseline stored: this artifact predates drift monitoring.")
	}
	drift.paras = append(drift.paras, registrationDrift(registered)...)
	if registered != nil && registered.Rows > 0 {
		drift.tables = append(drift.tables, driftTable(registered))
	}
	out = append(out, drift)

	out = append(out, fairnessSection(m.Audit))

	cons := cardSection{title: "Constraints"}
	var directed []string
	for _, f := range m.Features {
		switch {
		case f.Monotone > 0:
			directed = append(directed, f.Name+" (more never costs points)")
		case f.Monotone < 0:
			directed = append(directed, f.Name+" (more never earns points)")
		}
		if f.NoPenaltyFrom != 0 {
			cons.paras = append(cons.paras, fmt.Sprintf("%s: from %g on, never fewer points than at any lower value.", f.Name, f.NoPenaltyFrom))
		}
	}
	cons.paras = append(cons.paras, fmt.Sprintf("Declared directions enforced (%d): %s.", len(directed), strings.Join(directed, ", ")))
	if len(m.Free) > 0 {
		free := cardTable{caption: "features left free", head: []string{"feature", "why"}}
		for _, f := range m.Free {
			free.rows = append(free.rows, []string{f.Name, f.Why})
		}
		cons.tables = append(cons.tables, free)
	}
	out = append(out, cons)

	limits := []string{}
	if m.Training.HeldOut > 0 {
		limits = append(limits, fmt.Sprintf("The held-out figures rest on %d rows; see their confidence intervals.", m.Training.HeldOut))
	}
	if len(m.Free) > 0 {
		limits = append(limits, fmt.Sprintf("%d inputs have no declared direction (see Constraints): their shapes follow the data.", len(m.Free)))
	}
	if len(m.Interactions) > 0 {
		limits = append(limits, "Pair terms carry no monotone constraint; constrained inputs are kept out of pairs instead.")
	}
	out = append(out, cardSection{title: "Limits", paras: append(limits,
		"The audit measures the training population; a population that drifts from it needs a new audit (`sesame model eval --protected …`).",
		"Approval rates assume a record with nothing else against it: a product's other rules (defaults, unpaid rentals) decline some people the cutoff alone would approve.",
		"Missing values have their own bins; opt-in signals (connections) are neutral when absent and never a reason.",
	)})
	return out
}

func f4(x float64) string { return fmt.Sprintf("%.4f", x) }

// CardMarkdown writes the model card of version as Markdown; registered is
// the drift stored with the version at registration (nil: none measured).
func CardMarkdown(w io.Writer, m *model.Model, version string, registered *model.Drift) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Model card: %s\n", version)
	markdownSections(&b, card(m, registered))
	_, err := io.WriteString(w, b.String())
	return err
}

func markdownSections(b *strings.Builder, sections []cardSection) {
	for _, s := range sections {
		fmt.Fprintf(b, "\n## %s\n", s.title)
		for _, p := range s.paras {
			fmt.Fprintf(b, "\n%s\n", p)
		}
		for _, t := range s.tables {
			if t.caption != "" {
				fmt.Fprintf(b, "\n**%s**\n", t.caption)
			}
			fmt.Fprintf(b, "\n| %s |\n|%s\n", strings.Join(t.head, " | "), strings.Repeat("---|", len(t.head)))
			for _, r := range t.rows {
				fmt.Fprintf(b, "| %s |\n", strings.Join(r, " | "))
			}
		}
	}
}

// CardHTML writes the model card of version as one self-contained page.
func CardHTML(w io.Writer, m *model.Model, version string, registered *model.Drift) error {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<!doctype html><html lang="en"><meta charset="utf-8"><title>Model card %s</title><style>
body{font:14px/1.5 system-ui,sans-serif;margin:24px;color:#1f2328;max-width:1100px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:2px 10px;border-bottom:1px solid #eaeef2;text-align:left}
caption{text-align:left;font-weight:600}code{background:#f6f8fa}
</style><h1>Model card: %s</h1>`, e(version), e(version))
	htmlSections(&b, card(m, registered))
	_, err := io.WriteString(w, b.String())
	return err
}

func htmlSections(b *strings.Builder, sections []cardSection) {
	e := html.EscapeString
	code := func(s string) string { // `x` → <code>x</code>, after escaping
		parts := strings.Split(e(s), "`")
		for i := 1; i < len(parts); i += 2 {
			parts[i] = "<code>" + parts[i] + "</code>"
		}
		return strings.Join(parts, "")
	}
	for _, s := range sections {
		fmt.Fprintf(b, "<h2>%s</h2>", e(s.title))
		for _, p := range s.paras {
			fmt.Fprintf(b, "<p>%s</p>", code(p))
		}
		for _, t := range s.tables {
			b.WriteString("<table>")
			if t.caption != "" {
				fmt.Fprintf(b, "<caption>%s</caption>", e(t.caption))
			}
			b.WriteString("<tr>")
			for _, h := range t.head {
				fmt.Fprintf(b, "<th>%s</th>", e(h))
			}
			b.WriteString("</tr>")
			for _, r := range t.rows {
				b.WriteString("<tr>")
				for _, c := range r {
					fmt.Fprintf(b, "<td>%s</td>", e(c))
				}
				b.WriteString("</tr>")
			}
			b.WriteString("</table>")
		}
	}
}

// fairnessSection renders an audit (nil: none taken).
func fairnessSection(a *model.Audit) cardSection {
	fair := cardSection{title: "Fairness"}
	if a == nil {
		fair.paras = []string{"No fairness audit: the model was trained without protected columns."}
	} else {
		fair.paras = []string{fmt.Sprintf("Audited on %s (%d rows), at each shipped product's cutoff. An adverse impact ratio below 0.8 fails the four-fifths rule of thumb; a proxy AUC of %.2f or more flags an input that predicts a protected attribute on its own.", a.Data, a.Rows, model.ProxyFlagAUC)}
		for _, at := range a.Attributes {
			tb := cardTable{caption: at.Attribute, head: []string{"group", "rows", "mean score", "observed bad", "predicted bad"}}
			for _, c := range a.Cutoffs {
				tb.head = append(tb.head, fmt.Sprintf("approval ≥%d (%s)", c.Score, c.Product))
			}
			for _, g := range at.Groups {
				row := []string{g.Group, fmt.Sprint(g.Rows), fmt.Sprintf("%.1f", g.MeanScore), pct(g.ObservedBadRate), pct(g.PredictedBadRate)}
				for _, ap := range g.Approval {
					row = append(row, pct(ap))
				}
				tb.rows = append(tb.rows, row)
			}
			air := []string{"adverse impact ratio", "", "", "", ""}
			for _, r := range at.AdverseImpact {
				flag := ""
				if r < 0.8 {
					flag = " ⚠"
				}
				air = append(air, fmt.Sprintf("%.3f%s", r, flag))
			}
			tb.rows = append(tb.rows, air)
			fair.tables = append(fair.tables, tb)
		}
		px := cardTable{caption: "proxy check (per attribute, the inputs that predict it best on their own, and every flagged one)", head: []string{"input", "attribute", "group", "AUC", "flag"}}
		shown := map[string]int{}
		for _, p := range a.Proxies { // every flagged input, and each attribute's five strongest
			if shown[p.Attribute] >= 5 && !p.Flag {
				continue
			}
			shown[p.Attribute]++
			flag := ""
			if p.Flag {
				flag = "≥ " + fmt.Sprint(model.ProxyFlagAUC)
			}
			px.rows = append(px.rows, []string{p.Feature, p.Attribute, p.Group, f4(p.AUC), flag})
		}
		fair.tables = append(fair.tables, px)
	}
	return fair
}

// registrationDrift says what the population met at registration looked
// like against the training baseline.
func registrationDrift(d *model.Drift) []string {
	if d == nil || d.Rows == 0 {
		return []string{"Drift at registration: not measured (register with `sesame model register --population FILE.csv`)."}
	}
	worst, worstName := 0.0, ""
	for name, v := range d.Features {
		if v > worst || (v == worst && name < worstName) {
			worst, worstName = v, name
		}
	}
	score := "no score baseline in the artifact"
	if !math.IsNaN(d.Score) {
		score = fmt.Sprintf("score PSI %s (%s)", f4(d.Score), stabilityWord(d.Score))
	}
	p := fmt.Sprintf("Drift at registration, over the %d people given then: %s", d.Rows, score)
	if worstName != "" {
		p += fmt.Sprintf("; largest input CSI %s on %s (%s)", f4(worst), worstName, stabilityWord(worst))
	}
	return []string{p + "."}
}

func stabilityWord(x float64) string {
	switch {
	case x > model.PSIAlert:
		return "shifted"
	case x >= 0.1:
		return "worth watching"
	}
	return "stable"
}

// driftTable lists the score's PSI and every input's CSI at registration,
// largest first.
func driftTable(d *model.Drift) cardTable {
	t := cardTable{caption: fmt.Sprintf("Drift at registration (%d people) against the training baseline", d.Rows), head: []string{"term", "PSI", "reading"}}
	if !math.IsNaN(d.Score) {
		t.rows = append(t.rows, []string{"score", f4(d.Score), stabilityWord(d.Score)})
	}
	names := make([]string, 0, len(d.Features))
	for n := range d.Features {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := d.Features[names[i]], d.Features[names[j]]
		if a != b {
			return a > b
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		t.rows = append(t.rows, []string{n, f4(d.Features[n]), stabilityWord(d.Features[n])})
	}
	return t
}
