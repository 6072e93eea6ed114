package main

// sesame model challenger|promote|rollback|promotions|compare: champion and
// challenger. Wiring only: the logic is in packages score and model.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/table"
	"github.com/sesame-credit/sesame/policy"
)

func init() {
	register(&command{name: "model challenger", summary: "make a stored model version the challenger: it scores in shadow, never served", run: runModelChallenger})
	register(&command{name: "model promote", summary: "make a stored model version active, with a recorded reason", run: runModelPromote})
	register(&command{name: "model rollback", summary: "make the model active before the last promotion active again, with a recorded reason", run: runModelRollback})
	register(&command{name: "model promotions", summary: "list the promotions and rollbacks with their reasons", run: runModelPromotions})
	register(&command{name: "model compare", summary: "compare two stored model versions on labelled data: AUC, KS, band migration, approvals, fairness", run: runModelCompare})
}

func runModelChallenger(ctx context.Context, args []string) error {
	fs := newFlags("model challenger", "[--db PATH|URL] VERSION | --clear")
	dsn := dbFlag(fs)
	clear := fs.Bool("clear", false, "stop shadow scoring: no challenger")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	version := ""
	if !*clear {
		if fs.NArg() != 1 {
			return usageError(fs, "give exactly one VERSION (see sesame model list), or --clear")
		}
		version = fs.Arg(0)
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := svc.Shadow.SetChallenger(ctx, version); err != nil {
		return err
	}
	if version == "" {
		fmt.Fprintln(os.Stderr, "no challenger: shadow scoring stops")
		return nil
	}
	fmt.Fprintf(os.Stderr, "model %s is the challenger: every rescore and event scores with it in shadow (never served)\n", version)
	return nil
}

func runModelPromote(ctx context.Context, args []string) error {
	fs := newFlags("model promote", "[--db PATH|URL] --reason TEXT VERSION")
	dsn := dbFlag(fs)
	reason := fs.String("reason", "", "why (required; kept with the promotion)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give exactly one VERSION (see sesame model list)")
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := svc.Promote(ctx, fs.Arg(0), *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "model %s is active (was %q); run 'sesame rescore'\n", p.Version, p.Previous)
	return nil
}

func runModelRollback(ctx context.Context, args []string) error {
	fs := newFlags("model rollback", "[--db PATH|URL] --reason TEXT")
	dsn := dbFlag(fs)
	reason := fs.String("reason", "", "why (required; kept with the rollback)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := svc.Rollback(ctx, *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "rolled back: model %s is active again (was %s); run 'sesame rescore'\n", p.Version, p.Previous)
	return nil
}

func runModelPromotions(ctx context.Context, args []string) error {
	fs := newFlags("model promotions", "[--db PATH|URL]")
	dsn := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	log, err := svc.Shadow.Promotions(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "at\taction\tversion\tprevious\treason")
	for _, p := range log {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.At.Format("2006-01-02 15:04:05"), p.Action, p.Version, p.Previous, p.Reason)
	}
	return tw.Flush()
}

func runModelCompare(ctx context.Context, args []string) error {
	fs := newFlags("model compare", "[--db PATH|URL] --data FILE --label COL [--protected a,b] A B")
	dsn := dbFlag(fs)
	data := fs.String("data", "", "labelled data of the latest window (e.g. from sesame dataset build), required")
	label := fs.String("label", "", "label column (required)")
	bad := fs.String("bad", "", "label value that means bad, when the label is not 0/1")
	protected := fs.String("protected", "", "comma-separated protected columns for the fairness differences")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || *data == "" || *label == "" {
		return usageError(fs, "give --data, --label and two versions A (champion) and B (challenger)")
	}
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	var ms [2]*model.Model
	for k, v := range fs.Args() {
		art, err := svc.Models.ModelArtifact(ctx, v)
		if err != nil {
			return err
		}
		if ms[k], err = model.Read(bytes.NewReader(art)); err != nil {
			return fmt.Errorf("model %s: %w", v, err)
		}
	}
	t, err := table.ReadFile(*data)
	if err != nil {
		return err
	}
	y, err := model.ParseLabels(t, *label, *bad)
	if err != nil {
		return err
	}
	var rows [2][]model.Vector
	for k, m := range ms {
		if rows[k], err = m.EncodeTable(t); err != nil {
			return fmt.Errorf("model %s: %w", fs.Arg(k), err)
		}
	}
	groups := map[string][]string{}
	for _, col := range splitList(*protected) {
		j := t.Column(col)
		if j < 0 {
			return fmt.Errorf("protected column %q not found", col)
		}
		g := make([]string, len(t.Rows))
		for i, r := range t.Rows {
			g[i] = strings.TrimSpace(r[j])
		}
		groups[col] = g
	}
	products, err := policy.Shipped()
	if err != nil {
		return err
	}
	c := model.Compare(ms[0], ms[1], rows[0], rows[1], y, auditCutoffs(products), groups)
	a, b := fs.Arg(0), fs.Arg(1)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%d labelled rows\nmodel\tAUC\tKS\tBrier\n", c.Rows)
	fmt.Fprintf(tw, "A %s\t%.4f\t%.4f\t%.4f\nB %s\t%.4f\t%.4f\t%.4f\n", a, c.A.AUC, c.A.KS, c.A.Brier, b, c.B.AUC, c.B.KS, c.B.Brier)
	fmt.Fprintf(tw, "B − A\t%+.4f\t%+.4f\t%+.4f\n", c.B.AUC-c.A.AUC, c.B.KS-c.A.KS, c.B.Brier-c.A.Brier)
	fmt.Fprintf(tw, "\nBand migration (rows: band under A; columns: under B)\n\t%s\n", strings.Join(c.Bands, "\t"))
	for i, r := range c.Migration {
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = fmt.Sprint(v)
		}
		fmt.Fprintf(tw, "%s\t%s\n", c.Bands[i], strings.Join(cells, "\t"))
	}
	fmt.Fprintln(tw, "\nApprovals per shipped product\tcutoff\tA\tB\tchange\tswapped in (bad rate)\tswapped out (bad rate)")
	for _, ch := range c.Approvals {
		fmt.Fprintf(tw, "%s\t%d\t%.1f%%\t%.1f%%\t%+.1f pts\t%d (%.1f%%)\t%d (%.1f%%)\n", ch.Product, ch.Score, 100*ch.ApprovalRateA, 100*ch.ApprovalRateB,
			100*ch.ApprovalRateDelta, ch.In, 100*ch.InBadRate, ch.Out, 100*ch.OutBadRate)
	}
	if len(c.Fairness) > 0 {
		fmt.Fprintln(tw, "\nFairness: adverse impact ratio\tcutoff\tA\tB\tchange")
		for _, f := range c.Fairness {
			fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%+.3f\n", f.Attribute, f.Cutoff.Score, f.AIRA, f.AIRB, f.AIRB-f.AIRA)
		}
	}
	return tw.Flush()
}
