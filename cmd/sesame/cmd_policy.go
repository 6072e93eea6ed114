package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/score"
)

// `sesame policy …`: validate, upload, list and backtest product policies.

func init() {
	register(&command{name: "policy validate", summary: "compile and check a product file without storing it", run: runPolicyValidate})
	register(&command{name: "policy add", summary: "validate a product file and make it the product's live policy", run: runPolicyAdd})
	register(&command{name: "policy list", summary: "list the products (shipped and uploaded) with their policy versions", run: runPolicyList})
	register(&command{name: "policy vars", summary: "list the variables a policy may read", run: runPolicyVars})
	register(&command{name: "policy backtest", summary: "run a product's policy over the scored population: approval and bad rates by band", run: runPolicyBacktest})
}

func readSpec(path string) (sesame.Product, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return sesame.Product{}, err
	}
	dir := filepath.Dir(path)
	return policy.ParseSpec(b, func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) })
}

func runPolicyValidate(ctx context.Context, args []string) error {
	fs := newFlags("policy validate", "FILE.json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give one product FILE.json")
	}
	p, err := readSpec(fs.Arg(0))
	if err != nil {
		return err
	}
	pol, err := policy.Compile(p)
	if err != nil {
		return err
	}
	fmt.Printf("%s: valid; policy version %s\n", pol.Product.ID, pol.Product.PolicyVersion)
	return nil
}

func runPolicyAdd(ctx context.Context, args []string) error {
	fs := newFlags("policy add", "[--db PATH] FILE.json")
	dsn := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give one product FILE.json")
	}
	p, err := readSpec(fs.Arg(0))
	if err != nil {
		return err
	}
	pol, err := policy.Compile(p)
	if err != nil {
		return err
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	if err := ts.Decisions.SavePolicy(ctx, &pol.Product); err != nil {
		return err
	}
	if err := ts.Decisions.ActivateProduct(ctx, pol.Product.ID, pol.Product.PolicyVersion); err != nil {
		return err
	}
	fmt.Printf("%s: live with policy version %s (servers pick it up on restart)\n", pol.Product.ID, pol.Product.PolicyVersion)
	return nil
}

func runPolicyList(ctx context.Context, args []string) error {
	fs := newFlags("policy list", "[--db PATH] [--json]")
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON (with the policies' sources)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	cat, err := catalogFrom(ctx, ts.Decisions)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(cat.Products())
	}
	for _, p := range cat.Products() {
		fmt.Printf("%-16s %-15s %s  %s\n", p.ID, p.Purpose, p.PolicyVersion[:12], p.Name)
	}
	return nil
}

func runPolicyVars(ctx context.Context, args []string) error {
	fs := newFlags("policy vars", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, v := range policy.VariableDocs() {
		fmt.Printf("%-32s %-7s %s\n", v[0], v[1], v[2])
	}
	return nil
}

func runPolicyBacktest(ctx context.Context, args []string) error {
	fs := newFlags("policy backtest", "[--db PATH] [--file FILE.json] [--model MODEL.json --as-of DATE --horizon 12m [--backfill]] [--json] PRODUCT")
	dsn := dbFlag(fs)
	file := fs.String("file", "", "backtest this product `FILE.json` instead of the live policy")
	asJSON := fs.Bool("json", false, "print JSON")
	modelFile := fs.String("model", "", "score everyone with this model `FILE` as of --as-of instead of using the stored scores")
	asOfArg := fs.String("as-of", "", "with --model: score as of this `DATE` (YYYY-MM-DD); outcomes are counted after it")
	horizon := fs.String("horizon", "12m", "the outcome window after each score's as-of (with --model, after --as-of); it must end before every source's watermark")
	backfill := fs.Bool("backfill", false, "with --model: the ledger was loaded after the fact (simulate, import): count events from when they occurred")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 && *file == "" {
		return usageError(fs, "give the PRODUCT id (or --file)")
	}
	ts, err := openTrust(ctx, *dsn)
	if err != nil {
		return err
	}
	defer ts.Close()
	var pol *policy.Policy
	if *file != "" {
		p, err := readSpec(*file)
		if err != nil {
			return err
		}
		if pol, err = policy.Compile(p); err != nil {
			return err
		}
	} else {
		cat, err := catalogFrom(ctx, ts.Decisions)
		if err != nil {
			return err
		}
		if pol, err = cat.Product(fs.Arg(0)); err != nil {
			return err
		}
	}
	start := time.Now()
	var scan func(context.Context, func(*sesame.Score) error) error
	if ts.st.SQLite != nil {
		scan = ts.st.SQLite.Decisions().ScoredPeople
	} else {
		scan = ts.st.Postgres.Scores().ScoredPeople
	}
	if _, err := feature.ParseHorizon(*horizon, time.Now()); err != nil {
		return usageError(fs, err.Error())
	}
	cov, err := loadCoverage(ctx, ts.st.Watermarks())
	if err != nil {
		return err
	}
	label := policy.EventLabeler(ts.st.Events, func(asOf time.Time) time.Time {
		end, _ := feature.ParseHorizon(*horizon, asOf)
		return end
	}, cov)
	if *modelFile != "" {
		asOf, err := time.Parse(time.DateOnly, *asOfArg)
		if err != nil {
			return usageError(fs, "--as-of: give a date as YYYY-MM-DD")
		}
		end, err := feature.ParseHorizon(*horizon, asOf)
		if err != nil {
			return usageError(fs, err.Error())
		}
		if err := cov.CheckWindow(asOf, end); err != nil {
			return err
		}
		f, err := os.Open(*modelFile)
		if err != nil {
			return err
		}
		m, err := model.Read(f)
		f.Close()
		if err != nil {
			return err
		}
		prof := &feature.Profiler{}
		prof.SetCoverage(cov)
		a := &policy.AsOf{Scanner: ts.st.Scanner, Engine: score.NewEngine(m, "backtest", score.FeatureProfiler{P: prof}), AsOf: asOf, End: end, Backfilled: *backfill}
		scan, label = a.Scan, a.Label
		fmt.Fprintf(os.Stderr, "scoring everyone as of %s with %s; outcomes counted until %s\n", asOf.Format(time.DateOnly), *modelFile, end.Format(time.DateOnly))
	}
	bt, err := pol.Backtest(ctx, scan, label)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(bt)
	}
	fmt.Printf("product %s, policy %s, %d people (%s)\n", bt.Product, bt.Version[:12], bt.People, time.Since(start).Round(time.Millisecond))
	fmt.Printf("%-22s %8s %9s %8s %9s %9s %14s\n", "band", "people", "approve", "refer", "decline", "bad rate", "bad|approved")
	rows := append([]*policy.BandStats{&bt.Unscored}, bt.Bands...)
	var tot policy.BandStats
	for _, r := range rows {
		if r.Band == "-" {
			r.Band = "insufficient_history"
		}
		printBand(r)
		tot.People += r.People
		tot.Approved += r.Approved
		tot.Referred += r.Referred
		tot.Declined += r.Declined
		tot.Bad += r.Bad
		tot.BadOfApproved += r.BadOfApproved
	}
	tot.Band = "all"
	printBand(&tot)
	fmt.Println("approve/refer/decline: share of the band's people; bad rate: share who went bad (default, write-off, 90+ days past due, unpaid rental or order) after their score's as-of; bad|approved: of those approved.")
	return nil
}

func printBand(r *policy.BandStats) {
	pct := func(n, d int) string {
		if d == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
	}
	fmt.Printf("%-22s %8d %9s %8s %9s %9s %14s\n", r.Band, r.People, pct(r.Approved, r.People), pct(r.Referred, r.People), pct(r.Declined, r.People), pct(r.Bad, r.People), pct(r.BadOfApproved, r.Approved))
}
