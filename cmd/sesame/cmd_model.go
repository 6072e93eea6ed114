package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/report"
	"github.com/sesame-credit/sesame/model/table"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/score"
)

// The model commands: train, evaluate, explain and export scoring models.
// They parse flags and wire files to the model package; all logic is there.

func init() {
	register(&command{name: "model train", summary: "train a scoring model from a CSV file", run: runModelTrain})
	register(&command{name: "model eval", summary: "evaluate a model on labelled data", run: runModelEval})
	register(&command{name: "model explain", summary: "score one row and explain every point", run: runModelExplain})
	register(&command{name: "model export", summary: "export a model as SQL or PMML", run: runModelExport})
}

func runModelTrain(ctx context.Context, args []string) error {
	fs := newFlags("model train", "--data FILE --label COL [flags] --out MODEL.json")
	data := fs.String("data", "", "training data: CSV or TSV, gzip accepted (required)")
	label := fs.String("label", "", "label column (required); 1 = bad unless --bad is given")
	bad := fs.String("bad", "", "label value that means bad, when the label is not 0/1")
	exclude := fs.String("exclude", "", "comma-separated columns that are not model inputs (ids, dates)")
	protected := fs.String("protected", "", "comma-separated protected columns: never inputs, kept for fairness only")
	weight := fs.String("weight", "", "row weight column")
	kind := fs.String("kind", model.KindAdditive, "model kind: additive (boosted GAM) or scorecard (WOE + logistic regression)")
	monotone := fs.String("monotone", "", "monotone constraints: feat=+1 (points never fall as it rises), feat=-1, or auto")
	interactions := fs.Int("interactions", -1, "pairwise terms to screen; -1 chooses automatically, 0 none")
	var allow []string
	fs.Func("allow", "allow a sensitive attribute as a model input: "+strings.Join(feature.SensitiveAttributes, ", ")+" (repeat per attribute; recorded in the model)", func(s string) error {
		if !slices.Contains(feature.SensitiveAttributes, s) {
			return fmt.Errorf("%q is not a sensitive attribute (%s)", s, strings.Join(feature.SensitiveAttributes, ", "))
		}
		allow = append(allow, s)
		return nil
	})
	seed := fs.Uint64("seed", 42, "random seed; the same data and seed give a byte-identical model")
	bags := fs.Int("bags", 0, "outer bags (0: default)")
	anchor := fs.Float64("anchor-score", 600, "score at the anchor odds")
	anchorOdds := fs.Float64("anchor-odds", 30, "good:bad odds at the anchor score")
	pdo := fs.Float64("pdo", 40, "points to double the odds")
	ageColumn := fs.String("age-column", "age_years", "column giving the protected age band 62+ for the fairness audit (an input only with --allow age)")
	use := fs.String("intended-use", defaultIntendedUse, "what the model is for, for its card")
	dataFrom := fs.String("data-from", "", "first day the training rows describe (YYYY-MM-DD), for the model card")
	dataTo := fs.String("data-to", "", "last day the training rows describe (YYYY-MM-DD), for the model card")
	out := fs.String("out", "", "where to write the model JSON (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" || *label == "" || *out == "" {
		return usageError(fs, "--data, --label and --out are required")
	}
	for name, v := range map[string]string{"--data-from": *dataFrom, "--data-to": *dataTo} {
		if _, err := time.Parse(time.DateOnly, v); v != "" && err != nil {
			return usageError(fs, fmt.Sprintf("%s %q is not a date (YYYY-MM-DD)", name, v))
		}
	}
	if *dataFrom != "" && *dataTo != "" && *dataTo < *dataFrom {
		return usageError(fs, fmt.Sprintf("--data-to %s is before --data-from %s", *dataTo, *dataFrom))
	}
	cfg := model.Config{Kind: *kind, Interactions: *interactions, Seed: *seed, Bags: *bags, Progress: progressReporter(),
		Catalogue: score.ModelCatalogue(), Allow: allow, AgeColumn: *ageColumn}
	products, err := policy.Shipped()
	if err != nil {
		return err
	}
	cfg.AuditCutoffs = auditCutoffs(products)
	cfg.Scaling = model.DefaultScaling()
	cfg.Scaling.AnchorScore, cfg.Scaling.AnchorOdds, cfg.Scaling.PDO = *anchor, *anchorOdds, *pdo
	if err := parseMonotone(*monotone, &cfg); err != nil {
		return usageError(fs, err.Error())
	}
	t, err := table.ReadFile(*data)
	if err != nil {
		return err
	}
	d, err := model.LoadDataset(t, model.DataSpec{Label: *label, Bad: *bad, Exclude: splitList(*exclude),
		Protected: splitList(*protected), Weight: *weight})
	if err != nil {
		return err
	}
	for _, w := range d.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	m, err := model.Train(d, cfg)
	if err != nil {
		return err
	}
	m.Training.From, m.Training.To, m.Training.Use = *dataFrom, *dataTo, *use
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	for _, w := range m.Training.Withheld {
		fmt.Fprintf(os.Stderr, "withheld %s: a sensitive attribute (allow it with --allow)\n", w)
	}
	for _, f := range m.Free {
		fmt.Fprintf(os.Stderr, "free %s: %s\n", f.Name, f.Why)
	}
	v := m.Metrics.Validation
	where := fmt.Sprintf("held-out (%d rows never trained on)", m.Training.HeldOut)
	if m.Training.HeldOut == 0 {
		where = "out-of-bag (optimistic: no hold-out)"
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d features, %d pairs; %s AUC %.4f, KS %.4f, Brier %.4f, ECE %.4f\n",
		*out, len(m.Features), len(m.Interactions), where, v.AUC, v.KS, v.Brier, m.Metrics.ECE)
	// An AUC ranks each bad against the goods: on a handful of bads it is
	// mostly chance (1,500 simulated people hold out about 3), and the
	// bootstrap interval, resampling the same few, understates that.
	if bads := int(math.Round(float64(v.Rows) * v.BadRate)); m.Training.HeldOut > 0 && bads < minHeldOutBads {
		fmt.Fprintf(os.Stderr, "warning: the held-out rows hold only %d bads (under %d): these figures are rough, and their interval understates it; check with model eval on other labelled data\n",
			bads, minHeldOutBads)
	}
	return nil
}

// minHeldOutBads is the number of held-out bads below which model train
// warns that its figures are noise.
const minHeldOutBads = 30

func runModelEval(ctx context.Context, args []string) error {
	fs := newFlags("model eval", "--model MODEL.json --data FILE --label COL [flags]")
	modelPath := fs.String("model", "", "model JSON (required)")
	data := fs.String("data", "", "labelled data to evaluate on (required)")
	label := fs.String("label", "", "label column (required)")
	bad := fs.String("bad", "", "label value that means bad, when the label is not 0/1")
	protected := fs.String("protected", "", "comma-separated protected columns (never inputs) for the fairness audit")
	ageColumn := fs.String("age-column", "", "column giving the protected age band 62+ for the fairness audit")
	cutoff := fs.Int("cutoff", 600, "approval cutoff score for the single-cutoff fairness table")
	baseline := fs.String("baseline", "", "data (e.g. the training file) to compare score distributions with (PSI)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the text report")
	html := fs.String("html", "", "also write a self-contained HTML report with charts to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *modelPath == "" || *data == "" || *label == "" {
		return usageError(fs, "--model, --data and --label are required")
	}
	m, err := readModel(*modelPath)
	if err != nil {
		return err
	}
	t, err := table.ReadFile(*data)
	if err != nil {
		return err
	}
	y, err := model.ParseLabels(t, *label, *bad)
	if err != nil {
		return err
	}
	rows, err := m.EncodeTable(t)
	if err != nil {
		return err
	}
	opt := model.EvalOptions{Cutoff: *cutoff}
	groups := map[string][]string{}
	var attributes []string
	for _, col := range splitList(*protected) {
		j := t.Column(col)
		if j < 0 {
			return fmt.Errorf("protected column %q not found", col)
		}
		if m.Feature(col) >= 0 {
			return fmt.Errorf("protected column %q is a model input; retrain with --protected %s", col, col)
		}
		for _, r := range t.Rows {
			groups[col] = append(groups[col], strings.TrimSpace(r[j]))
		}
		attributes = append(attributes, col)
	}
	if len(attributes) > 0 {
		opt.Groups = groups[attributes[0]]
	}
	if *ageColumn != "" {
		j := t.Column(*ageColumn)
		if j < 0 {
			return fmt.Errorf("age column %q not found", *ageColumn)
		}
		for _, r := range t.Rows {
			age, err := strconv.ParseFloat(strings.TrimSpace(r[j]), 64)
			if err != nil {
				age = math.NaN()
			}
			groups["age 62+"] = append(groups["age 62+"], model.AgeBand(age))
		}
		attributes = append(attributes, "age 62+")
	}
	if *baseline != "" {
		bt, err := table.ReadFile(*baseline)
		if err != nil {
			return err
		}
		brows, err := m.EncodeTable(bt)
		if err != nil {
			return err
		}
		for _, x := range brows {
			opt.Baseline = append(opt.Baseline, m.Score(x).Score)
		}
	}
	ev := m.Evaluate(rows, y, opt)
	if len(attributes) > 0 {
		products, err := policy.Shipped()
		if err != nil {
			return err
		}
		ev.Audit = m.AuditFairness(*data, rows, y, attributes, groups, auditCutoffs(products))
	}
	if *html != "" {
		f, err := os.Create(*html)
		if err != nil {
			return err
		}
		if err := report.HTML(f, m, &ev); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", *html)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ev)
	}
	return report.Text(os.Stdout, m, &ev)
}

func runModelExplain(ctx context.Context, args []string) error {
	fs := newFlags("model explain", "--model MODEL.json --data FILE [--row N]")
	modelPath := fs.String("model", "", "model JSON (required)")
	data := fs.String("data", "", "data holding the row (required)")
	row := fs.Int("row", 1, "data row to explain, 1 = the first row after the header")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *modelPath == "" || *data == "" {
		return usageError(fs, "--model and --data are required")
	}
	m, err := readModel(*modelPath)
	if err != nil {
		return err
	}
	t, err := table.ReadFile(*data)
	if err != nil {
		return err
	}
	x, err := m.EncodeRow(t, *row)
	if err != nil {
		return err
	}
	res := m.Score(x)
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return report.Explain(os.Stdout, m, x, res)
}

func runModelExport(ctx context.Context, args []string) error {
	fs := newFlags("model export", "--model MODEL.json --format sql|pmml")
	modelPath := fs.String("model", "", "model JSON (required)")
	format := fs.String("format", "sql", "sql (one CASE per feature; SQLite and PostgreSQL) or pmml (PMML 4.4 Scorecard)")
	tableName := fs.String("table", "applicants", "for sql: the table whose rows to score")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *modelPath == "" {
		return usageError(fs, "--model is required")
	}
	m, err := readModel(*modelPath)
	if err != nil {
		return err
	}
	switch *format {
	case "sql":
		_, err = io.WriteString(os.Stdout, m.SQL(*tableName))
		return err
	case "pmml":
		return m.PMML(os.Stdout)
	default:
		return usageError(fs, fmt.Sprintf("--format %q: want sql or pmml", *format))
	}
}

func readModel(path string) (*model.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := model.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// parseMonotone reads "feat=+1,feat=-1" or "auto".
func parseMonotone(s string, cfg *model.Config) error {
	if s == "" {
		return nil
	}
	if s == "auto" {
		cfg.MonotoneAuto = true
		return nil
	}
	cfg.Monotone = map[string]int{}
	for _, part := range splitList(s) {
		name, dir, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(strings.TrimPrefix(dir, "+"))
		if !ok || err != nil || (n != 1 && n != -1) {
			return fmt.Errorf("--monotone %q: want feat=+1 or feat=-1", part)
		}
		cfg.Monotone[name] = n
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// usageError prints the usage with a reason and returns errUsage (exit 2).
func usageError(fs *flag.FlagSet, why string) error {
	fmt.Fprintf(fs.Output(), "%s: %s\n", fs.Name(), why)
	fs.Usage()
	return errUsage
}

// progressReporter shows training progress on stderr: a bar per stage on a
// terminal, plain lines otherwise (logs, CI).
func progressReporter() func(model.Progress) {
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		var bar *progressbar.ProgressBar
		stage := ""
		return func(p model.Progress) {
			if p.Stage != stage || bar == nil {
				if bar != nil {
					_ = bar.Finish()
				}
				stage = p.Stage
				bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(os.Stderr),
					progressbar.OptionSetDescription(stage), progressbar.OptionClearOnFinish())
			}
			_ = bar.Set(p.Done)
		}
	}
	last := ""
	return func(p model.Progress) {
		// One line per stage start and end keeps logs short.
		if line := fmt.Sprintf("%s %d/%d", p.Stage, p.Done, p.Total); p.Done == p.Total || p.Stage != last {
			fmt.Fprintln(os.Stderr, "model train:", line)
			last = p.Stage
		}
	}
}

// auditCutoffs are the shipped products' score thresholds for the fairness
// audit, one per distinct score, naming the products that use it.
func auditCutoffs(products map[string]*policy.Policy) []model.Cutoff {
	var out []model.Cutoff
	for _, c := range policy.Cutoffs(products) {
		k := slices.IndexFunc(out, func(o model.Cutoff) bool { return o.Score == c.Score })
		if k < 0 {
			out = append(out, model.Cutoff{Product: c.Product, Score: c.Score})
			continue
		}
		out[k].Product += ", " + c.Product
	}
	slices.SortFunc(out, func(a, b model.Cutoff) int { return a.Score - b.Score })
	return out
}

// defaultIntendedUse is the card's intended use when the operator names none.
const defaultIntendedUse = "Estimate the probability that a consenting person fails a credit obligation within the label's horizon, as a 350–950 score with reasons, for lending and rental decisions by partners the person authorised; not for employment, insurance pricing or any use the person did not consent to."
