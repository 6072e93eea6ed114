// Command model is the side-by-side benchmark of Sesame's model engine: on
// one fixed stratified split (seed 42, 70/30) of each public data set it
// trains Sesame's additive model and WOE scorecard, XGBoost and
// scikit-learn's logistic regression, and prints AUC, KS, Brier score and
// training time on the 30% test rows.
//
//	go run ./bench/model [-data ../shared/data] [-only taiwan,gmsc,hmeq]
//
// The split is written to CSV files so the Python baselines train on exactly
// the same rows; XGBoost early-stops on a validation set carved (15%,
// stratified, seed 42) from the 70%, the same share Sesame carves in each bag.
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/table"
)

// dataset is one benchmark data set.
type dataset struct {
	name, file, label string
	drop              []string
}

var datasets = []dataset{
	{"taiwan", "taiwan/default_of_credit_card_clients.csv.gz", "default_payment_next_month", []string{"ID", "SEX"}},
	{"gmsc", "gmsc/cs-training.csv.gz", "SeriousDlqin2yrs", []string{"Id", "unnamed_0"}},
	{"hmeq", "hmeq/hmeq.csv", "BAD", nil},
}

// tuning holds hyper-parameter overrides for experiments; zero fields keep
// the trainer's defaults, which are what the documented table uses.
var tuning = model.Config{Seed: 42}

var (
	verbose bool
	repeat  int
)

const python = "/usr/bin/python3" // Debian's, which has python3-xgboost and python3-sklearn

// row is one line of the printed table.
type row struct {
	Data    string
	Model   string  `json:"model"`
	AUC     float64 `json:"auc"`
	KS      float64 `json:"ks"`
	Brier   float64 `json:"brier"`
	Seconds float64 `json:"seconds"`
	Note    string  `json:"note"`
}

func main() {
	dataDir := flag.String("data", "../shared/data", "folder of the shared data sets")
	only := flag.String("only", "", "comma-separated data sets to run (default all)")
	work := flag.String("work", "", "folder for the split files (default a temporary one)")
	skipPython := flag.Bool("no-python", false, "skip the XGBoost and logistic regression baselines")
	flag.Float64Var(&tuning.LearningRate, "lr", 0, "override the learning rate (0: the trainer's default)")
	flag.IntVar(&tuning.Bags, "bags", 0, "override the number of bags")
	flag.IntVar(&tuning.Interactions, "pairs", -1, "override the number of pairs (-1: automatic)")
	flag.IntVar(&tuning.MaxPairBins, "pair-bins", 0, "override the bins per pair axis")
	flag.Float64Var(&tuning.MinLeafCount, "min-leaf", 0, "override the rows a leaf needs")
	flag.Float64Var(&tuning.MinLeafShare, "min-leaf-share", 0, "override the share of rows a main-effect leaf needs")
	flag.IntVar(&tuning.EarlyStoppingRounds, "patience", 0, "override the early-stopping patience")
	flag.IntVar(&tuning.MaxBins, "bins", 0, "override the main-effect bins")
	flag.IntVar(&repeat, "repeat", 1, "train every model this many times and report the fastest (less noise on a busy machine)")
	flag.BoolVar(&verbose, "v", false, "log each training stage's timing to stderr")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	if _, err := os.Stat(*dataDir); err != nil {
		fmt.Fprintf(os.Stderr, "bench/model: %s is absent; skipping (the benchmark needs the shared data sets)\n", *dataDir)
		return
	}
	if *work == "" {
		dir, err := os.MkdirTemp("", "sesame-bench-")
		check(err)
		defer os.RemoveAll(dir)
		*work = dir
	}
	var rows []row
	for _, ds := range datasets {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), ds.name) {
			continue
		}
		rows = append(rows, run(ds, *dataDir, *work, *skipPython)...)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "data\tmodel\tAUC\tKS\tBrier\ttrain s\tnote")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%.4f\t%.4f\t%.4f\t%.2f\t%s\n", r.Data, r.Model, r.AUC, r.KS, r.Brier, r.Seconds, r.Note)
	}
	tw.Flush()
}

func run(ds dataset, dataDir, work string, skipPython bool) []row {
	t, err := table.ReadFile(filepath.Join(dataDir, ds.file))
	check(err)
	y, err := model.ParseLabels(t, ds.label, "")
	check(err)
	trainIdx, testIdx := stratifiedSplit(y, 0.30, 42)
	fitIdx, validIdx := stratifiedSplit(pick(y, trainIdx), 0.15, 42)
	fitIdx, validIdx = compose(trainIdx, fitIdx), compose(trainIdx, validIdx)
	train, test := subset(t, trainIdx), subset(t, testIdx)
	paths := map[string]string{}
	for name, idx := range map[string][]int{"train": trainIdx, "test": testIdx, "fit": fitIdx, "valid": validIdx} {
		paths[name] = filepath.Join(work, ds.name+"-"+name+".csv")
		writeCSV(paths[name], subset(t, idx))
	}
	fmt.Fprintf(os.Stderr, "%s: %d train rows, %d test rows\n", ds.name, len(trainIdx), len(testIdx))

	var out []row
	drop := slices.DeleteFunc(slices.Clone(ds.drop), func(c string) bool { return t.Column(c) < 0 })
	spec := model.DataSpec{Label: ds.label, Exclude: drop}
	for _, kind := range []string{model.KindAdditive, model.KindScorecard} {
		d, err := model.LoadDataset(train, spec)
		check(err)
		cfg := tuning
		cfg.Kind = kind
		if verbose {
			t0 := time.Now()
			cfg.Progress = func(p model.Progress) {
				if p.Done == p.Total {
					fmt.Fprintf(os.Stderr, "%s %s: %s done at %.3fs\n", ds.name, kind, p.Stage, time.Since(t0).Seconds())
				}
			}
		}
		var m *model.Model
		secs := math.Inf(1)
		for range max(repeat, 1) {
			start := time.Now()
			m, err = model.Train(d, cfg)
			check(err)
			secs = math.Min(secs, time.Since(start).Seconds())
		}
		vecs, err := m.EncodeTable(test)
		check(err)
		p := make([]float64, len(vecs))
		for i, v := range vecs {
			p[i] = m.Score(v).Probability
		}
		yt := pick(y, testIdx)
		note := fmt.Sprintf("%d features, rounds %v", len(m.Features), m.Metrics.Rounds)
		if len(m.Interactions) > 0 {
			note += fmt.Sprintf(", %d pairs", len(m.Interactions))
		}
		out = append(out, row{Data: ds.name, Model: "Sesame " + kind, AUC: model.AUC(p, yt, nil),
			KS: model.KS(p, yt, nil), Brier: model.Brier(p, yt, nil), Seconds: secs, Note: note})
	}
	if skipPython {
		return out
	}
	cmd := exec.Command(python, "bench/model/baselines.py", "--fit", paths["fit"], "--valid", paths["valid"],
		"--train", paths["train"], "--test", paths["test"], "--label", ds.label, "--drop", strings.Join(drop, ","),
		"--repeat", fmt.Sprint(max(repeat, 1)))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: baselines failed (%v); install with: apt-get install -y python3-xgboost python3-sklearn python3-pandas\n", ds.name, err)
		return out
	}
	for _, line := range strings.Split(strings.TrimSpace(string(stdout)), "\n") {
		var r row
		check(json.Unmarshal([]byte(line), &r))
		r.Data = ds.name
		out = append(out, r)
	}
	return out
}

// stratifiedSplit puts a share of each class's rows (shuffled with the seed)
// into the second set; both sets list row indexes in file order.
func stratifiedSplit(y []float64, share float64, seed uint64) (keep, held []int) {
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, class := range []float64{0, 1} {
		var idx []int
		for i, v := range y {
			if v == class {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		n := int(share*float64(len(idx)) + 0.5)
		held = append(held, idx[:n]...)
		keep = append(keep, idx[n:]...)
	}
	slices.Sort(keep)
	slices.Sort(held)
	return keep, held
}

func pick(y []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, r := range idx {
		out[i] = y[r]
	}
	return out
}

// compose maps indexes into a subset back to indexes into the whole.
func compose(outer, inner []int) []int {
	out := make([]int, len(inner))
	for i, r := range inner {
		out[i] = outer[r]
	}
	return out
}

func subset(t *table.Table, idx []int) *table.Table {
	s := &table.Table{Header: t.Header, SHA256: t.SHA256}
	for _, r := range idx {
		s.Rows = append(s.Rows, t.Rows[r])
	}
	return s
}

func writeCSV(path string, t *table.Table) {
	f, err := os.Create(path)
	check(err)
	w := csv.NewWriter(f)
	check(w.Write(t.Header))
	check(w.WriteAll(t.Rows))
	check(f.Close())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/model:", err)
		os.Exit(1)
	}
}
