// Command roundtrip proves that turning real credit data into ledger events
// and back into features loses nothing a model needs. For the Taiwan data
// set it trains Sesame's additive model twice on the same stratified split
// (70/30, seed 42): once on the raw table, once on the table that
// `sesame import taiwan` + `sesame dataset build` produce from the ledger,
// and prints both test AUCs; then it does the ledger path for the credit
// card approval panel, whose label is point-in-time (60+ days past due in
// the 12 months after the as-of month).
//
//	go run ./bench/features/roundtrip [-data ../shared/data] [-work DIR]
//
// It skips with a message when the data folder is absent.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/importer"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/table"
	"github.com/sesame-credit/sesame/sqlite"
)

func main() {
	dataDir := flag.String("data", "../shared/data", "folder of the public data sets")
	work := flag.String("work", "", "folder for the databases and CSV files (default: a temporary one)")
	skipApproval := flag.Bool("skip-approval", false, "only run the Taiwan round trip")
	flag.Parse()
	taiwanFile := filepath.Join(*dataDir, "taiwan", "default_of_credit_card_clients.csv.gz")
	if _, err := os.Stat(taiwanFile); err != nil {
		fmt.Println("roundtrip: skipped:", taiwanFile, "is absent (the public data sets live in ../shared/data)")
		return
	}
	if *work == "" {
		d, err := os.MkdirTemp("", "sesame-roundtrip-")
		check(err)
		defer os.RemoveAll(d)
		*work = d
	}
	ctx := context.Background()

	// Raw table: the reference.
	raw, err := table.ReadFile(taiwanFile)
	check(err)
	y, err := model.ParseLabels(raw, "default_payment_next_month", "")
	check(err)
	trainIdx, testIdx := stratifiedSplit(y, 0.30, 42)
	idCol := raw.Column("ID")
	testIDs := map[string]bool{}
	for _, i := range testIdx {
		testIDs["tw-"+strings.TrimSpace(raw.Rows[i][idCol])] = true
	}
	rawAUC, rawN := trainAndTest(subset(raw, trainIdx), subset(raw, testIdx), "default_payment_next_month", []string{"ID"}, []string{"SEX"})
	fmt.Printf("taiwan raw table:   AUC %.4f  (%d features, train %d / test %d rows)\n", rawAUC, rawN, len(trainIdx), len(testIdx))

	// Ledger path: import → dataset build → the same split by person.
	start := time.Now()
	db := openDB(ctx, filepath.Join(*work, "taiwan.db"))
	f, err := os.Open(taiwanFile)
	check(err)
	z, err := gzip.NewReader(f)
	check(err)
	app := &appender{ctx: ctx, store: db.Events()}
	st, err := importer.ImportTaiwan(z, app.add)
	check(err)
	check(app.flush())
	f.Close()
	fmt.Fprintf(os.Stderr, "taiwan: imported %d people, %d events in %s\n", st.Rows, st.Events, time.Since(start).Round(time.Millisecond))
	ledger := build(ctx, db, importer.TaiwanAsOf, "12m", "default", 0)
	db.Close()
	pcol := ledger.Column("person")
	var ltrain, ltest []int
	for i, r := range ledger.Rows {
		if testIDs[r[pcol]] {
			ltest = append(ltest, i)
		} else {
			ltrain = append(ltrain, i)
		}
	}
	ledgerAUC, ledgerN := trainAndTest(subset(ledger, ltrain), subset(ledger, ltest), "bad", []string{"person"}, []string{"protected_sex"})
	fmt.Printf("taiwan via ledger:  AUC %.4f  (%d features, train %d / test %d rows)\n", ledgerAUC, ledgerN, len(ltrain), len(ltest))
	verdict := "within 0.01: the conversion and the features lose nothing the model uses"
	if rawAUC-ledgerAUC > 0.01 {
		verdict = "MORE THAN 0.01 BELOW the raw table"
	}
	fmt.Printf("taiwan difference:  %+.4f (%s)\n", ledgerAUC-rawAUC, verdict)

	if *skipApproval {
		return
	}
	dir := filepath.Join(*dataDir, "credit-card-approval")
	if _, err := os.Stat(filepath.Join(dir, "credit_record.csv.gz")); err != nil {
		fmt.Println("credit-card-approval: skipped: data absent")
		return
	}
	start = time.Now()
	db = openDB(ctx, filepath.Join(*work, "approval.db"))
	apps := gz(filepath.Join(dir, "application_record.csv.gz"))
	credits := gz(filepath.Join(dir, "credit_record.csv.gz"))
	app = &appender{ctx: ctx, store: db.Events()}
	ast, err := importer.ImportApproval(apps, credits, app.add)
	check(err)
	check(app.flush())
	fmt.Fprintf(os.Stderr, "credit-card-approval: imported %d people, %d events in %s\n", ast.People, ast.Events, time.Since(start).Round(time.Millisecond))
	ds := build(ctx, db, importer.ApprovalAsOf, "12m", "dpd60", 90*24*time.Hour)
	db.Close()
	ya, err := model.ParseLabels(ds, "bad", "")
	check(err)
	atrain, atest := stratifiedSplit(ya, 0.30, 42)
	bad := 0
	for _, v := range ya {
		bad += int(v)
	}
	aAUC, aN := trainAndTest(subset(ds, atrain), subset(ds, atest), "bad", []string{"person"}, []string{"protected_sex"})
	fmt.Printf("credit-card-approval via ledger: AUC %.4f  (%d features, %d rows, %d bad = %.2f%%, as of %s, 60+ DPD within 12 months)\n",
		aAUC, aN, len(ya), bad, 100*float64(bad)/float64(len(ya)), importer.ApprovalAsOf.Format("2006-01-02"))
}

func gz(path string) io.Reader {
	f, err := os.Open(path)
	check(err)
	z, err := gzip.NewReader(f)
	check(err)
	return z
}

func openDB(ctx context.Context, path string) *sqlite.DB {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	db, err := sqlite.Open(ctx, path)
	check(err)
	return db
}

// build runs the training-set builder as `sesame dataset build --backfill` does.
func build(ctx context.Context, db *sqlite.DB, asOf time.Time, horizon, outcome string, minHistory time.Duration) *table.Table {
	end, err := feature.ParseHorizon(horizon, asOf)
	check(err)
	oc, err := feature.ParseOutcome(outcome)
	check(err)
	var buf bytes.Buffer
	stats, err := feature.BuildDataset(ctx, db.Events(), &buf, feature.DatasetOptions{AsOf: asOf, End: end, Outcome: oc,
		MinHistory: minHistory, Protected: []string{"sex"}, Backfilled: true})
	check(err)
	fmt.Fprintf(os.Stderr, "dataset: %d people, %d rows, %d bad; excluded %d without history before %s, %d with too little, %d already bad\n",
		stats.People, stats.Rows, stats.Bad, stats.NoHistory, asOf.Format("2006-01-02"), stats.TooLittleHistory, stats.AlreadyBad)
	t, err := table.Read(&buf)
	check(err)
	return t
}

func trainAndTest(train, test *table.Table, label string, exclude, protected []string) (auc float64, features int) {
	d, err := model.LoadDataset(train, model.DataSpec{Label: label, Exclude: exclude, Protected: protected})
	check(err)
	m, err := model.Train(d, model.Config{Seed: 42})
	check(err)
	vecs, err := m.EncodeTable(test)
	check(err)
	yt, err := model.ParseLabels(test, label, "")
	check(err)
	p := make([]float64, len(vecs))
	for i, v := range vecs {
		p[i] = m.Score(v).Probability
	}
	return model.AUC(p, yt, nil), len(m.Features)
}

type appender struct {
	ctx   context.Context
	store sesame.EventStore
	batch []sesame.Event
}

func (a *appender) add(_ string, events []sesame.Event) error {
	a.batch = append(a.batch, events...)
	if len(a.batch) >= 5000 {
		return a.flush()
	}
	return nil
}

func (a *appender) flush() error {
	if len(a.batch) == 0 {
		return nil
	}
	_, err := a.store.Append(a.ctx, a.batch)
	a.batch = a.batch[:0]
	return err
}

// stratifiedSplit is bench/model's split: a share of each class's rows,
// shuffled with the seed, goes to the second set.
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

func subset(t *table.Table, idx []int) *table.Table {
	s := &table.Table{Header: t.Header, SHA256: t.SHA256}
	for _, r := range idx {
		s.Rows = append(s.Rows, t.Rows[r])
	}
	return s
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err)
		os.Exit(1)
	}
}
