package model

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync/atomic"
)

// Train fits a model of kind cfg.Kind to d and returns it scaled to points.
// Training is deterministic: the same data, config and seed give a
// byte-identical artifact whatever cfg.Parallelism is.
func Train(d *Dataset, cfg Config) (*Model, error) {
	cfg = cfg.withDefaults()
	if cfg.Kind != KindAdditive && cfg.Kind != KindScorecard {
		return nil, fmt.Errorf("unknown model kind %q (want %s or %s)", cfg.Kind, KindAdditive, KindScorecard)
	}
	if err := checkScaling(cfg.Scaling); err != nil {
		return nil, err
	}
	full := d
	d, withheld := withholdSensitive(d, cfg)
	if len(d.Columns) == 0 {
		return nil, fmt.Errorf("no model inputs left (sensitive columns withheld: %v)", withheld)
	}
	types := map[string]string{}
	for _, c := range d.Columns {
		types[c.Name] = c.Type
	}
	for f, dir := range cfg.Monotone {
		switch types[f] {
		case "":
			return nil, fmt.Errorf("monotone constraint on %q, which is not a feature", f)
		case categorical:
			return nil, fmt.Errorf("monotone constraint on %q, a categorical feature: its levels have no order", f)
		}
		if dir != 1 && dir != -1 {
			return nil, fmt.Errorf("monotone constraint on %q: direction %d, want +1 or -1", f, dir)
		}
	}
	if cfg.HoldOut <= 0 {
		return fit(d, full, withheld, cfg, nil)
	}
	// The written model is the one fit on the other rows and measured on
	// the held-out ones: its figures are then its own. Refitting on every
	// row instead would report the figure of a different model, and on
	// small data that refit can differ wholly (one stopped at 0 rounds, a
	// constant, while the measured one ranked well).
	rest, held := splitHoldOut(d, cfg.HoldOut, cfg.Seed)
	if held.Rows() == 0 || rest.Rows() == 0 {
		return nil, fmt.Errorf("too few rows (%d) to hold out %g of them", d.Rows(), cfg.HoldOut)
	}
	m, err := fit(rest, full, withheld, cfg, held)
	if err != nil {
		return nil, err
	}
	// Rows counts every row of the file; HeldOut of them were never trained on.
	m.Training.Rows, m.Training.BadRate = d.Rows(), weightedMean(d.Label, d.Weight)
	m.Training.HeldOut = held.Rows()
	return m, nil
}

// fit trains one model on d. With held set, its metrics are measured on
// those rows; otherwise on the bags' out-of-bag rows.
func fit(d, full *Dataset, withheld []string, cfg Config, held *Dataset) (*Model, error) {
	progress := &progressReporter{fn: cfg.Progress}
	tr := newTrainer(d, cfg, progress)
	m := &Model{Schema: Schema, Kind: cfg.Kind, Features: tr.features, Params: cfg, Scaling: scaled(cfg.Scaling)}
	m.Params.Scaling = Scaling{}
	var shapes [][]float64
	var intercept float64
	var pairs []pairTerm
	if cfg.Kind == KindScorecard {
		shapes, intercept = tr.scorecard()
	} else {
		shapes, intercept, pairs = tr.additive(m)
		// Recalibrate on the bags' out-of-bag predictions: one slope and
		// shift applied to every term keeps the model additive and its
		// ranking, and makes its bad rates match rows it was not fit on.
		a, b := plattScale(tr.oobZ, tr.oobY, tr.oobW)
		m.Metrics.Recalibration = &Recalibration{Shift: round6(a), Slope: round6(b)}
		for _, sh := range shapes {
			for k := range sh {
				sh[k] *= b
			}
		}
		for _, p := range pairs {
			for k := range p.shape {
				p.shape[k] *= b
			}
		}
		intercept = a + b*intercept
	}
	for i := range m.Features {
		f := &m.Features[i]
		f.Bins = make([]Bin, f.NumBins())
		for k := range f.Bins {
			f.Bins[k] = Bin{Label: f.Label(k), Logit: shapes[i][k]}
		}
	}
	for _, p := range pairs {
		m.Interactions = append(m.Interactions, tr.interaction(p))
	}
	m.Intercept = intercept
	tr.tally(m)
	m.centre()
	m.scale()
	m.Training = Fingerprint{
		SHA256: d.SHA256, Rows: d.Rows(), BadRate: weightedMean(d.Label, d.Weight),
		Label: d.spec.Label, Bad: d.spec.Bad, Weight: d.spec.Weight,
		Excluded: d.spec.Exclude, Protected: d.spec.Protected, Dropped: d.Warnings, Withheld: withheld,
	}
	m.Free = freeFeatures(m.Features, cfg.Catalogue)
	m.Medians = tr.medians(m)
	m.ScoreBaseline = newScoreBaseline(tr.trainingScores(m))
	if err := m.prepare(); err != nil {
		return nil, fmt.Errorf("internal: trained model is inconsistent: %w", err)
	}
	m.Metrics.Train = summarise(tr.logits(m), d.Label, d.Weight)
	if held != nil {
		z := m.datasetLnOdds(held)
		p := make([]float64, len(z))
		for i := range z {
			p[i] = logistic(z[i])
		}
		m.Metrics.Validation = Summarise(p, held.Label, held.Weight)
		m.Metrics.Calibration = Calibration(p, held.Label, 10)
		m.Metrics.Intervals = bootstrapIntervals(p, held.Label, cfg.Seed)
	} else {
		m.Metrics.Validation = tr.validation
		m.Metrics.Calibration = tr.calibration
	}
	m.Metrics.ECE = ECE(m.Metrics.Calibration)
	m.Metrics.Rounds = tr.rounds
	m.Audit = m.auditTraining(full, cfg)
	return m, nil
}

// trainer holds the binned training data shared by every bag.
type trainer struct {
	d        *Dataset
	cfg      Config
	progress *progressReporter
	features []Feature
	mains    []term    // one per feature
	axes     []Binning // coarse binning of each feature, for pairs
	axisBins [][]uint16
	// Filled by training, for the artifact's metrics.
	oobZ, oobY, oobW []float64 // out-of-bag ln(odds) and labels, for calibration
	rounds           []int
	validation       Summary
	calibration      []CalibrationRow
}

func newTrainer(d *Dataset, cfg Config, progress *progressReporter) *trainer {
	tr := &trainer{d: d, cfg: cfg, progress: progress}
	n := len(d.Columns)
	tr.features = make([]Feature, n)
	tr.mains = make([]term, n)
	tr.axes = make([]Binning, n)
	tr.axisBins = make([][]uint16, n)
	maxBins := cfg.MaxBins
	if cfg.Kind == KindScorecard {
		maxBins = scorecardFineBins
	}
	var done atomic.Int64
	parallel(n, cfg.Parallelism, func(j int) {
		col := d.Columns[j]
		opt := binningOptions{maxBins: maxBins, minLevel: cfg.MinCategoryCount}
		pairOpt := binningOptions{maxBins: pairAxisBins(cfg, d.Rows()), minLevel: cfg.MinCategoryCount}
		var main, axis Binning
		if col.Type == numeric {
			// One sort per column serves the specials and both binnings.
			distinct := distinctValues(col.Num, d.Weight)
			specials := mergeSpecials(detectSpecials(distinct), cfg.Specials[col.Name])
			distinct = withoutSpecials(distinct, specials)
			opt.specials, pairOpt.specials = specials, specials
			if cfg.Kind == KindScorecard {
				opt.minBinShare = 0.05
			}
			main = numericBinning(distinct, opt)
			axis = numericBinning(distinct, pairOpt)
		} else {
			main = categoricalBinning(col.Cat, d.Weight, opt)
			// The axis keeps the most frequent of the main levels, in the
			// same order, so a level's code is the same on both and the
			// rest fall to "other"; a pair's grid stays small enough for
			// its uint16 cell codes.
			axis = categoricalBinning(col.Cat, d.Weight, pairOpt)
		}
		info := cfg.Catalogue[col.Name]
		dim := info.Dimension
		if dim == "" {
			dim = guessDimension(col.Name)
		}
		mono, set := cfg.Monotone[col.Name]
		if !set && col.Type == numeric {
			mono = info.Direction
		}
		tr.features[j] = Feature{Name: col.Name, Dimension: dim, Description: info.Description,
			Reason: info.Reason, Monotone: mono, NeutralMissing: info.NeutralMissing, NoReason: info.Sensitive != "",
			NoPenaltyFrom: info.NoPenaltyFrom, Binning: main}
		tr.mains[j] = term{bins: binColumn(&main, col), n: main.NumBins(), perBin: col.Type == categorical}
		tr.axes[j] = axis
		tr.axisBins[j] = binColumn(&axis, col)
		progress.report("bins", int(done.Add(1)), n)
	})
	return tr
}

// pairAxisBins is the bins per pair axis: MaxPairBins, but no more than
// leave a pair's grid as many cells as the rows fill with MinLeafCount each
// on average (√(rows / MinLeafCount) per axis). Beyond that the extra cells
// are mostly empty: they add nothing a leaf could learn from, while every
// boosting step of a pair still scans them all (on HMEQ's 4,172 rows a
// 64×64 grid made the pair stage four times the cost of 32×32 for the same
// AUC). From about 16,000 rows on, the cap is MaxPairBins itself.
const minPairAxisBins = 32

func pairAxisBins(cfg Config, rows int) int {
	// Below minPairAxisBins (the earlier default) small data sets would
	// keep noise pairs more readily: a coarse grid's few cells each pass
	// the gate on chance patterns more easily than many fine ones.
	fill := int(math.Sqrt(float64(rows) / math.Max(cfg.MinLeafCount, 1)))
	return min(cfg.MaxPairBins, max(minPairAxisBins, fill))
}

// binColumn maps every row of col to its bin.
func binColumn(b *Binning, col Column) []uint16 {
	out := make([]uint16, max(len(col.Num), len(col.Cat)))
	if col.Type == numeric {
		for i, x := range col.Num {
			out[i] = uint16(b.Bin(x))
		}
		return out
	}
	code := make(map[string]int, len(b.Levels))
	for k, l := range b.Levels {
		code[l] = k
	}
	for i, s := range col.Cat {
		switch k, ok := code[s]; {
		case s == "":
			out[i] = uint16(b.MissingBin())
		case ok:
			out[i] = uint16(k)
		default:
			out[i] = uint16(len(b.Levels)) // other
		}
	}
	return out
}

func mergeSpecials(a, b []float64) []float64 {
	seen := map[float64]bool{}
	var out []float64
	for _, x := range append(append([]float64{}, a...), b...) {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Float64s(out)
	return out
}

func (tr *trainer) params() boostParams {
	c := tr.cfg
	minMain := math.Max(c.MinLeafCount, c.MinLeafShare*float64(tr.d.Rows()))
	return boostParams{lr: c.LearningRate, minCount: c.MinLeafCount, minMainCount: minMain, l2: c.L2, tol: c.EarlyStoppingTolerance,
		maxLeaves: c.MaxLeaves, maxRounds: c.MaxRounds, patience: c.EarlyStoppingRounds}
}

// additive trains the EBM: main effects on every bag, averaged; monotone
// constraints; then pairs chosen by FAST and boosted on the main effects'
// residuals, again on every bag.
func (tr *trainer) additive(m *Model) (shapes [][]float64, intercept float64, pairs []pairTerm) {
	d, cfg := tr.d, tr.cfg
	rows := d.Rows()
	intercept = logit(weightedMean(d.Label, d.Weight))
	start := make([]float64, rows)
	for i := range start {
		start[i] = intercept
	}
	splits := make([]bagSplit, cfg.Bags)
	for b := range splits {
		splits[b] = splitBag(d.Label, cfg.ValidationShare, cfg.Seed, b)
	}
	results := tr.runBags("mains", tr.mains, start, splits)
	shapes = averageShapes(results, len(tr.mains))
	tr.rounds = make([]int, 0, 2*cfg.Bags)
	for _, r := range results {
		tr.rounds = append(tr.rounds, r.rounds)
	}
	tr.applyMonotone(m.Features, shapes)
	applyNoPenalty(m.Features, shapes)

	mainLogit := tr.mainsLogit(intercept, shapes)
	k := cfg.Interactions
	if k < 0 {
		k = pairBudget(d.Label, d.Weight)
	}
	eligible := make([]bool, len(m.Features))
	for j, f := range m.Features {
		// A pair could bend a constrained shape, or make a neutral absence
		// count; identity and connections facts pair with nothing, so that
		// who a person is never modulates how their record counts.
		eligible[j] = f.Monotone == 0 && !f.NeutralMissing && !cfg.Catalogue[f.Name].NoPairs
	}
	pairs = tr.selectPairs(mainLogit, eligible, k)
	if len(pairs) == 0 {
		tr.validation = tr.bagValidation(results, splits)
		return shapes, intercept, nil
	}
	pterms := make([]term, len(pairs))
	for p, pr := range pairs {
		pterms[p] = pr.term
	}
	presults := tr.boostPairs(pterms, intercept, results, splits)
	keep := tr.gatePairs(pterms, presults, splits)
	kept := pairs[:0]
	for p := range pairs {
		if keep[p] {
			kept = append(kept, pairs[p])
		}
	}
	pairs = kept
	if len(pairs) < len(pterms) && len(pairs) > 0 {
		// Boost the pairs that stay on without the ones that went: a pair
		// trained beside others shares their work, and its values alone
		// would under-fit. Each bag goes on from its own first fit of the
		// kept pairs, which is most of the way: refitting from scratch
		// took as long as the first fit for the same AUC.
		var keptTerms []term
		var kept []int
		for p := range pterms {
			if keep[p] {
				keptTerms = append(keptTerms, pterms[p])
				kept = append(kept, p)
			}
		}
		presults = tr.continuePairs(keptTerms, kept, intercept, results, presults, splits)
		pterms = keptTerms
	}
	if len(pairs) == 0 {
		tr.validation = tr.bagValidation(results, splits)
		return shapes, intercept, nil
	}
	pshapes := averageShapes(presults, len(pterms))
	for p := range pairs {
		pairs[p].shape = pshapes[p]
	}
	for _, r := range presults {
		tr.rounds = append(tr.rounds, r.rounds)
	}
	tr.validation = tr.bagValidation(presults, splits)
	return shapes, intercept, pairs
}

// boostPairs boosts the pair terms on every bag, each bag from its own
// main effects (InterpretML continues each outer bag's model the same way).
// Starting from the averaged main effects instead would start every bag
// from values fitted on its validation rows by the other bags: the pairs'
// early stopping would then judge them on rows that are not out of the bag.
// Averaging stays exact: the mean of (bag mains + bag pairs) is the mean
// of the mains plus the mean of the pairs. Each bag's validation logits
// are then its own model's, an honest out-of-bag estimate.
func (tr *trainer) boostPairs(pterms []term, intercept float64, results []boostResult, splits []bagSplit) []boostResult {
	p := tr.params()
	p.patience = min(p.patience, PairPatience)
	return tr.runBagsWith("pairs", pterms, func(b int) []float64 {
		return tr.mainsLogit(intercept, results[b].shapes)
	}, splits, p)
}

// mainsLogit is every training row's ln(odds) under the main effects'
// shapes on top of intercept.
func (tr *trainer) mainsLogit(intercept float64, shapes [][]float64) []float64 {
	z := make([]float64, tr.d.Rows())
	for i := range z {
		v := intercept
		for j, t := range tr.mains {
			v += shapes[j][t.bins[i]]
		}
		z[i] = v
	}
	return z
}

// PairPatience is the early-stopping patience of the pairs' first fit (at
// most the config's). Pairs start from converged main effects and reach
// their best within a dozen rounds; the rounds of a longer patience were
// most of the pair stage's time and never changed the kept model's test
// AUC (bench/RESULTS.md).
const PairPatience = 10

// continuePairs boosts the kept pair terms further on every bag, from the
// bag's main effects plus its first fit of those pairs (first[b].shapes at
// the positions kept), and returns each bag's total: first fit plus what
// the further rounds added. Its validation logits are the total model's.
func (tr *trainer) continuePairs(pterms []term, kept []int, intercept float64, results, first []boostResult, splits []bagSplit) []boostResult {
	p := tr.params()
	p.patience = min(p.patience, ContinuePatience)
	out := tr.runBagsWith("pairs", pterms, func(b int) []float64 {
		z := tr.mainsLogit(intercept, results[b].shapes)
		// Pair by pair, so that each pair's table stays in cache; every
		// row still adds the pairs in the same order.
		for q, p := range kept {
			shape, bins := first[b].shapes[p], pterms[q].bins[:len(z)]
			for i, k := range bins {
				z[i] += shape[k]
			}
		}
		return z
	}, splits, p)
	for b := range out {
		for q, p := range kept {
			sh := out[b].shapes[q]
			for k, v := range first[b].shapes[p] {
				sh[k] += v
			}
		}
		out[b].rounds += first[b].rounds
	}
	return out
}

// ContinuePatience is the early-stopping patience of the kept pairs'
// further rounds (at most the config's). They start from a fit that has
// already stopped early, so their gains come in the first few rounds or
// not at all: over three splits of the five benchmark sets, patience 5
// matched 20's test AUC within 0.0006 at a third of the stage's rounds.
const ContinuePatience = 5

// PairBudget is how many pairs the trainer screens when the caller leaves
// it the choice. It is a constant, not a share of the rows: a small data set
// gives each pair fewer rows to learn from, so it must not be offered more
// pairs. Every screened pair must then earn its place (gatePairs).
const PairBudget = 66

// PairBadsPerTerm is how many bad outcomes among the training rows each
// screened pair needs: with fewer bads the budget shrinks below PairBudget.
// It is the events-per-variable rule of regression modelling (about ten
// events a term): on a set with 86 bads, 66 screened pairs let about 30
// through the gate on chance patterns.
const PairBadsPerTerm = 10

// pairBudget is how many pairs to screen for labels y (weights w): at most
// PairBudget, and one for every PairBadsPerTerm bads.
func pairBudget(y, w []float64) int {
	var bads float64
	for i, v := range y {
		bads += v * weightAt(w, i)
	}
	return min(PairBudget, int(bads/PairBadsPerTerm))
}

// PairMinGain is the validation log-loss (mean over the out-of-bag rows) a
// pair must save to be kept: dropping it from the bags' models must raise
// their out-of-bag log-loss by at least this much.
const PairMinGain = 1e-5

// gatePairs decides which pairs stay: a pair stays when removing it from
// each bag's model (its learned values subtracted from the bag's
// out-of-bag logits) worsens the mean out-of-bag log-loss by at least
// PairMinGain. The dropped pairs' values are taken out of the bags'
// out-of-bag logits, so the reported validation is that of the kept model.
func (tr *trainer) gatePairs(pterms []term, presults []boostResult, splits []bagSplit) []bool {
	y := tr.d.Label
	lossAt := func(z, y float64) float64 {
		// log(1+e^z) − y·z, stable for large |z|.
		if z > 0 {
			return z + math.Log1p(math.Exp(-z)) - y*z
		}
		return math.Log1p(math.Exp(z)) - y*z
	}
	rows := 0
	for b := range presults {
		rows += len(splits[b].valid)
	}
	// Each bag's out-of-bag loss with every pair, worked out once.
	base := make([][]float64, len(presults))
	for b, r := range presults {
		base[b] = make([]float64, len(splits[b].valid))
		for i, row := range splits[b].valid {
			base[b][i] = lossAt(r.validLogit[i], y[row])
		}
	}
	keep := make([]bool, len(pterms))
	parallel(len(pterms), tr.cfg.Parallelism, func(p int) {
		t := pterms[p]
		var delta float64
		for b, r := range presults {
			for i, row := range splits[b].valid {
				z := r.validLogit[i]
				delta += lossAt(z-r.shapes[p][t.bins[row]], y[row]) - base[b][i]
			}
		}
		keep[p] = rows > 0 && delta/float64(rows) >= PairMinGain
	})
	for p, t := range pterms {
		if keep[p] {
			continue
		}
		for b, r := range presults {
			for i, row := range splits[b].valid {
				r.validLogit[i] -= r.shapes[p][t.bins[row]]
			}
		}
	}
	return keep
}

// FineRetryRounds and FineRetryFactor: a bag of main effects whose best
// round is below FineRetryRounds is boosted again at the learning rate
// divided by FineRetryFactor. Early stopping can stop only at whole rounds,
// and one round moves every feature at once: on small data with few bads
// the first round already overfits, so the bag would keep the intercept
// alone (0 rounds) though a shorter step would have learnt something.
const (
	FineRetryRounds = 2
	FineRetryFactor = 10
)

func (tr *trainer) runBags(stage string, terms []term, start []float64, splits []bagSplit) []boostResult {
	return tr.runBagsWith(stage, terms, func(int) []float64 { return start }, splits, tr.params())
}

// runBagsWith boosts terms on every bag with the given parameters, each
// bag's starting ln(odds) made by startOf when the bag starts. The bags
// advance a round at a time, interleaved on the workers (parallelSteps).
func (tr *trainer) runBagsWith(stage string, terms []term, startOf func(b int) []float64, splits []bagSplit, params boostParams) []boostResult {
	results := make([]boostResult, len(splits))
	bags := make([]*booster, len(splits))
	retried := make([]bool, len(splits))
	scratch := make([]boostScratch, tr.cfg.Parallelism)
	var done atomic.Int64
	tr.progress.report(stage, 0, len(splits))
	parallelSteps(len(splits), tr.cfg.Parallelism, func(worker, b int) bool {
		if bags[b] == nil {
			bags[b] = newBooster(terms, tr.d.Label, tr.d.Weight, startOf(b), splits[b], params)
		}
		if !bags[b].advance(&scratch[worker]) {
			return false
		}
		results[b] = bags[b].result()
		if stage == "mains" && results[b].rounds < FineRetryRounds && !retried[b] {
			retried[b] = true
			p := params
			p.lr /= FineRetryFactor
			bags[b] = newBooster(terms, tr.d.Label, tr.d.Weight, bags[b].start, splits[b], p)
			return false
		}
		bags[b] = nil
		tr.progress.report(stage, int(done.Add(1)), len(splits))
		return true
	})
	return results
}

// averageShapes averages the bags' shapes in bag order (a fixed order of
// floating-point additions keeps the result deterministic).
func averageShapes(results []boostResult, nterms int) [][]float64 {
	out := make([][]float64, nterms)
	for t := range out {
		out[t] = make([]float64, len(results[0].shapes[t]))
		for _, r := range results {
			for k, v := range r.shapes[t] {
				out[t][k] += v
			}
		}
		for k := range out[t] {
			out[t][k] /= float64(len(results))
		}
	}
	return out
}

// bagValidation scores each row held out by some bag with the mean ln(odds)
// of the bags that held it out: an out-of-bag estimate of performance.
func (tr *trainer) bagValidation(results []boostResult, splits []bagSplit) Summary {
	rows := tr.d.Rows()
	sum, n := make([]float64, rows), make([]int, rows)
	for b, r := range results {
		for i, row := range splits[b].valid {
			sum[row] += r.validLogit[i]
			n[row]++
		}
	}
	var z, y, w []float64
	for i := range rows {
		if n[i] == 0 {
			continue
		}
		z = append(z, sum[i]/float64(n[i]))
		y = append(y, tr.d.Label[i])
		if tr.d.Weight != nil {
			w = append(w, tr.d.Weight[i])
		}
	}
	tr.oobZ, tr.oobY, tr.oobW = z, y, w
	if len(z) == 0 {
		return Summary{}
	}
	p := make([]float64, len(z))
	for i := range z {
		p[i] = logistic(z[i])
	}
	tr.calibration = Calibration(p, y, 10)
	return Summarise(p, y, w)
}

// tally stores each bin's training count and bads in the artifact, and zeroes
// bins no training row reached: with no evidence they stay neutral.
func (tr *trainer) tally(m *Model) {
	for j := range m.Features {
		bins := m.Features[j].Bins
		for i, b := range tr.mains[j].bins {
			w := weightAt(tr.d.Weight, i)
			bins[b].Count += w
			bins[b].Bads += w * tr.d.Label[i]
		}
		for k := range bins {
			if bins[k].Count == 0 {
				bins[k].Logit = 0
			}
		}
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		a, b := tr.axisBins[in.index[0]], tr.axisBins[in.index[1]]
		for i := range a {
			in.Counts[a[i]][b[i]] += weightAt(tr.d.Weight, i)
		}
		for x := range in.Counts {
			for y := range in.Counts[x] {
				if in.Counts[x][y] == 0 {
					in.Logits[x][y] = 0
				}
			}
		}
	}
}

// logits computes the model's ln(odds) on the training rows from the bins.
func (tr *trainer) logits(m *Model) []float64 {
	z := make([]float64, tr.d.Rows())
	for i := range z {
		s := m.Intercept
		for j, t := range tr.mains {
			s += m.Features[j].Bins[t.bins[i]].Logit
		}
		for _, in := range m.Interactions {
			s += in.Logits[tr.axisBins[in.index[0]][i]][tr.axisBins[in.index[1]][i]]
		}
		z[i] = s
	}
	return z
}

// centre shifts every term to mean 0 over the training rows (weighted by the
// bin counts) and moves the means into the intercept. Then a term's value
// says how a bin compares with the average person, which is what points and
// reasons need. A NeutralMissing feature is anchored at its missing bin
// instead: absence scores as logit 0, the points every term gives the
// average person. Either shift moves the intercept by as much as the term,
// so no prediction changes.
func (m *Model) centre() {
	for i := range m.Features {
		f := &m.Features[i]
		bins := f.Bins
		var sum, n float64
		for _, b := range bins {
			sum += b.Logit * b.Count
			n += b.Count
		}
		if n == 0 {
			continue // no weight anywhere: nothing to centre on
		}
		mean := sum / n
		if miss := f.MissingBin(); f.NeutralMissing && bins[miss].Count > 0 {
			mean = bins[miss].Logit
		}
		for k := range bins {
			if bins[k].Count > 0 {
				bins[k].Logit -= mean
			}
		}
		m.Intercept += mean
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		var sum, n float64
		for a := range in.Logits {
			for b := range in.Logits[a] {
				sum += in.Logits[a][b] * in.Counts[a][b]
				n += in.Counts[a][b]
			}
		}
		if n == 0 {
			continue
		}
		mean := sum / n
		for a := range in.Logits {
			for b := range in.Logits[a] {
				if in.Counts[a][b] > 0 {
					in.Logits[a][b] -= mean
				}
			}
		}
		m.Intercept += mean
	}
}

func weightAt(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

func weightedMean(x, w []float64) float64 {
	var s, n float64
	for i, v := range x {
		wi := weightAt(w, i)
		s += wi * v
		n += wi
	}
	return s / n
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// withholdSensitive returns d without the columns whose catalogue entry
// names a sensitive attribute the config does not allow, and their names.
func withholdSensitive(d *Dataset, cfg Config) (*Dataset, []string) {
	var keep []Column
	var withheld []string
	for _, c := range d.Columns {
		if a := cfg.Catalogue[c.Name].Sensitive; a != "" && !slices.Contains(cfg.Allow, a) {
			withheld = append(withheld, c.Name)
			continue
		}
		keep = append(keep, c)
	}
	if len(withheld) == 0 {
		return d, nil
	}
	out := *d
	out.Columns = keep
	return &out, withheld
}

// freeFeatures lists the features trained without a direction, with the
// catalogue's reason or the one that applies.
func freeFeatures(features []Feature, c Catalogue) []FreeFeature {
	var out []FreeFeature
	for _, f := range features {
		if f.Monotone != 0 {
			continue
		}
		info, known := c[f.Name]
		why := info.Free
		switch {
		case f.Type == categorical:
			why = "categorical: its levels have no order"
		case !known:
			why = "not in the feature catalogue: no declared direction"
		case why == "":
			why = "the catalogue declares no direction"
		}
		out = append(out, FreeFeature{Name: f.Name, Why: why})
	}
	return out
}

// applyNoPenalty enforces NoPenaltyFrom: every bin holding values at or
// above the threshold gets at most the lowest ln(odds of bad) — so at
// least the points — of any bin holding values below it (a bin straddling
// the threshold counts as both). Points are a decreasing function of the
// logit, so the rule survives centring and rounding.
func applyNoPenalty(features []Feature, shapes [][]float64) {
	for j := range features {
		f := &features[j]
		from := f.NoPenaltyFrom
		if from == 0 || f.Type != numeric {
			continue
		}
		n := f.regularBins()
		lower := func(k int) float64 { // the bin's lowest value
			if k == 0 {
				return math.Inf(-1)
			}
			return f.Cuts[k-1]
		}
		upper := func(k int) float64 { // values lie below it
			if k == n-1 {
				return math.Inf(1)
			}
			return f.Cuts[k]
		}
		floor := math.Inf(1)
		for k := range n {
			if lower(k) < from {
				floor = math.Min(floor, shapes[j][k])
			}
		}
		for k := range n {
			if upper(k) > from && shapes[j][k] > floor {
				shapes[j][k] = floor
			}
		}
	}
}
