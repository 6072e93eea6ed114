// Package report renders a model's evaluation and explanations for people:
// a plain-text report for the terminal and one self-contained HTML file
// whose charts are SVG drawn here (no scripts, no external assets).
package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sesame-credit/sesame/model"
)

// Text writes the evaluation as a terminal report.
func Text(w io.Writer, m *model.Model, ev *model.Evaluation) error {
	if err := textReport(w, m, ev); err != nil {
		return err
	}
	if ev.Audit != nil {
		var b strings.Builder
		b.WriteString("\n")
		markdownSections(&b, []cardSection{fairnessSection(ev.Audit)})
		_, err := io.WriteString(w, b.String())
		return err
	}
	return nil
}

func textReport(w io.Writer, m *model.Model, ev *model.Evaluation) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Sesame %s model, %d features, %d pairs — evaluated on %d rows (bad rate %.2f%%)\n\n",
		m.Kind, len(m.Features), len(m.Interactions), ev.Rows, 100*ev.BadRate)
	fmt.Fprintf(tw, "AUC\t%.4f\nGini\t%.4f\nKS\t%.4f\nBrier\t%.4f\nlog-loss\t%.4f\n", ev.AUC, ev.Gini, ev.KS, ev.Brier, ev.LogLoss)
	if ev.PSI != nil {
		fmt.Fprintf(tw, "PSI vs baseline\t%.4f\t%s\n", *ev.PSI, psiVerdict(*ev.PSI))
	}
	if d := ev.Drift; d != nil {
		fmt.Fprintf(tw, "\nDrift vs training\tPSI/CSI\nscore\t%.4f\t%s\n", d.Score, psiVerdict(d.Score))
		for _, f := range m.Features {
			if csi, ok := d.Features[f.Name]; ok {
				fmt.Fprintf(tw, "%s\t%.4f\t%s\n", f.Name, csi, psiVerdict(csi))
			}
		}
	}
	fmt.Fprintln(tw, "\nCalibration (deciles of predicted risk)\nrows\tpredicted\tobserved")
	for _, c := range ev.Calibration {
		fmt.Fprintf(tw, "%d\t%.4f\t%.4f\n", c.Rows, c.Predicted, c.Observed)
	}
	fmt.Fprintln(tw, "\nScore bands\nband\tscores\trows\tshare\tobserved bad rate\tpredicted")
	for _, b := range ev.Bands {
		fmt.Fprintf(tw, "%s\t%d–%d\t%d\t%.1f%%\t%.2f%%\t%.2f%%\n", b.Band, b.Min, b.Max, b.Rows, 100*b.Share, 100*b.BadRate, 100*b.Predicted)
	}
	fmt.Fprintln(tw, "\nImportance (range of points)\nterm\tpoints")
	for _, im := range ev.Importance {
		fmt.Fprintf(tw, "%s\t%d\n", im.Term, im.Range)
	}
	if f := ev.Fairness; f != nil {
		fmt.Fprintf(tw, "\nFairness at cutoff %d\ngroup\trows\tbad rate\tmean score\tAUC\tapproval\n", f.Cutoff)
		for _, g := range f.Groups {
			fmt.Fprintf(tw, "%s\t%d\t%.2f%%\t%.1f\t%.4f\t%.1f%%\n", g.Group, g.Rows, 100*g.BadRate, g.MeanScore, g.AUC, 100*g.ApprovalRate)
		}
		verdict := "passes the four-fifths rule"
		if f.AdverseImpactRatio < 0.8 {
			verdict = "BELOW 0.8: adverse impact"
		}
		fmt.Fprintf(tw, "adverse impact ratio\t%.3f\t%s\n", f.AdverseImpactRatio, verdict)
	}
	return tw.Flush()
}

func psiVerdict(psi float64) string {
	switch {
	case psi < 0.1:
		return "stable"
	case psi < 0.25:
		return "watch"
	default:
		return "shifted"
	}
}

// Explain writes one scored record: score, band, probability, each term's
// points against its best, the dimensions and the reasons.
func Explain(w io.Writer, m *model.Model, x model.Vector, r model.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "score %d (%s), probability of bad %.4f; points sum to %d\n\n", r.Score, r.Band, r.Probability, r.Unclamped)
	fmt.Fprintln(tw, "term\tvalue\tpoints\tbest\tbelow best")
	for t := range m.NumTerms() {
		best := m.BestPoints(t)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", m.TermName(t), m.TermValue(x, t), r.Points[t], best, max(0, best-r.Points[t]))
	}
	fmt.Fprintln(tw, "\ndimension\tpoints")
	for _, d := range model.Dimensions {
		if p, ok := r.Dimensions[d]; ok {
			fmt.Fprintf(tw, "%s\t%d\n", d, p)
		}
	}
	fmt.Fprintln(tw, "\nreasons")
	for i, rs := range r.Reasons {
		fmt.Fprintf(tw, "%d. %s\n", i+1, rs.Text)
	}
	return tw.Flush()
}
