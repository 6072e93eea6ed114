package model

import (
	"math"
	"math/rand/v2"
	"slices"
)

// term is one additive term during training: the bin of every training row
// and the number of bins. Main effects and pairs look the same here; a
// pair's bin is a*nb+b.
type term struct {
	bins   []uint16
	n      int
	na, nb int // pair shape; na == 0 for a main effect
	// catA, catB: the pair's axes are categorical (cut in an order of
	// risk found at each step, not in their stored order).
	catA, catB bool
	perBin     bool // categorical main: one leaf per bin
}

// bagSplit is one bag's stratified split of the training rows.
type bagSplit struct {
	fit, valid []int32
}

// splitBag carves a stratified validation share out of the training rows
// with the bag's own random stream, so each bag sees different rows and the
// same seed gives the same bags.
func splitBag(y []float64, share float64, seed uint64, bag int) bagSplit {
	rng := rand.New(rand.NewPCG(seed, uint64(bag)+1))
	var s bagSplit
	for class := 0.0; class <= 1; class++ {
		var rows []int32
		for i, v := range y {
			if v == class {
				rows = append(rows, int32(i))
			}
		}
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		nv := int(math.Round(share * float64(len(rows))))
		s.valid = append(s.valid, rows[:nv]...)
		s.fit = append(s.fit, rows[nv:]...)
	}
	slices.Sort(s.fit)
	slices.Sort(s.valid)
	return s
}

// boostResult is what one bag learned: per term, the value of every bin.
type boostResult struct {
	shapes [][]float64
	rounds int
	// validLogit is the bag's final ln(odds) for each of its validation rows.
	validLogit []float64
}

// boostParams are the knobs of one boosting run.
type boostParams struct {
	lr, l2, tol          float64
	minCount             float64 // rows a pair's leaf needs
	minMainCount         float64 // rows a main effect's leaf needs
	maxLeaves, maxRounds int
	patience             int
}

// boost runs cyclic gradient boosting of the given terms on one bag. Every
// round visits each term once and adds a tiny tree fitted to the current
// gradients of the log-loss; the shapes at the round with the best
// validation loss are kept. start holds each training row's starting
// ln(odds) (the intercept, or the main effects when boosting pairs).
func boost(terms []term, y, w, start []float64, split bagSplit, p boostParams) boostResult {
	b := newBooster(terms, y, w, start, split, p)
	var scratch boostScratch
	for !b.advance(&scratch) {
	}
	return b.result()
}

// booster is one bag's boosting run, advanced a round at a time: runBagsWith
// interleaves the rounds of all bags on its workers, so that bags which stop
// late do not leave a worker idle at the end of a stage.
//
// Gradients are updated in the same pass that applies a term's step and
// builds the next term's histogram, so each step reads the data once, and
// without an exp per row (see e below).
type booster struct {
	terms              []term
	start              []float64
	split              bagSplit
	p                  boostParams
	weighted           bool
	fitBins, validBins [][]uint16
	yf, wf, yv, wv, sv []float64
	// e holds e^(−ln odds) per fit row: the probability is 1/(1+e).
	e                    []float64
	shapes, best, counts [][]float64
	G, H                 []float64 // the histogram of the term stepped next
	bestLoss             float64
	bestRound, rounds    int
	maxBins              int
}

// boostScratch is the working memory of one boosting step, shared by the
// bags a worker advances in turn (nothing in it outlives a step).
type boostScratch struct {
	step []float64
	// The row loop indexes these by a uint16 bin: arrays of every uint16
	// need no bounds checks. GH holds each bin's gradient and hessian side
	// by side, one cache line for both.
	expStep *[1 << 16]float64
	GH, GH2 *[1 << 16][2]float64
	pair    pairScratch
}

func newBooster(terms []term, y, w, start []float64, split bagSplit, p boostParams) *booster {
	nf := len(split.fit)
	b := &booster{terms: terms, start: start, split: split, p: p, weighted: w != nil}
	// Gather the bag's rows into contiguous arrays: the hot loops then run
	// over memory in order.
	b.fitBins = make([][]uint16, len(terms))
	b.validBins = make([][]uint16, len(terms))
	for t, tm := range terms {
		b.fitBins[t] = gather16(tm.bins, split.fit)
		b.validBins[t] = gather16(tm.bins, split.valid)
	}
	b.yf, b.wf = gather(y, split.fit), gatherWeights(w, split.fit)
	b.yv, b.wv = gather(y, split.valid), gatherWeights(w, split.valid)
	b.sv = gather(start, split.valid)
	b.e = make([]float64, nf)
	for i, r := range split.fit {
		b.e[i] = math.Exp(-start[r])
	}

	b.shapes = make([][]float64, len(terms))
	b.best = make([][]float64, len(terms))
	b.counts = make([][]float64, len(terms))
	for t, tm := range terms {
		b.shapes[t] = make([]float64, tm.n)
		b.best[t] = make([]float64, tm.n)
		b.counts[t] = make([]float64, tm.n)
		for _, k := range b.fitBins[t] {
			b.counts[t][k]++
		}
	}
	for _, tm := range terms {
		b.maxBins = max(b.maxBins, tm.n)
	}
	b.G, b.H = make([]float64, b.maxBins), make([]float64, b.maxBins)

	// First histogram, for term 0.
	G, H, e, yf, wf := b.G, b.H, b.e, b.yf, b.wf
	for i, k := range b.fitBins[0] {
		pr := 1 / (1 + e[i])
		G[k] += wf[i] * (pr - yf[i])
		H[k] += wf[i] * pr * (1 - pr)
	}
	b.bestLoss = logLoss(b.sv, b.yv, b.wv)
	return b
}

// advance runs the next round and reports whether the run has ended: at
// the most rounds, or patience rounds after the best.
func (b *booster) advance(ws *boostScratch) (done bool) {
	p := b.p
	if b.rounds >= p.maxRounds {
		return true
	}
	if len(ws.step) < b.maxBins {
		ws.step = make([]float64, b.maxBins)
	}
	if ws.expStep == nil {
		ws.expStep = new([1 << 16]float64)
		ws.GH, ws.GH2 = new([1 << 16][2]float64), new([1 << 16][2]float64)
	}
	b.rounds++
	round := b.rounds
	terms, shapes, counts := b.terms, b.shapes, b.counts
	G, H, step := b.G, b.H, ws.step
	expStep, GH, GH2 := ws.expStep, ws.GH, ws.GH2
	fitBins, validBins, sv := b.fitBins, b.validBins, b.sv
	nf := len(b.split.fit)
	e, yf, wf := b.e[:nf], b.yf[:nf], b.wf[:nf]
	for t, tm := range terms {
		n := tm.n
		var ok bool
		switch {
		case tm.na > 0:
			ok = fitPair(G[:n], H[:n], counts[t], tm.na, tm.nb, tm.catA, tm.catB, p.minCount, p.l2, step[:n], &ws.pair)
		case tm.perBin:
			ok = fitPerBin(G[:n], H[:n], counts[t], p.minMainCount, p.l2, step[:n])
		default:
			ok = fitOrdered(G[:n], H[:n], counts[t], p.maxLeaves, p.minMainCount, p.l2, step[:n])
		}
		if !ok {
			clear(step[:n])
		}
		for k := range n {
			step[k] *= p.lr
			shapes[t][k] += step[k]
		}
		next := (t + 1) % len(terms)
		// e^(−s) of a row is updated by multiplying with e^(−step) of its
		// bin: one exp per bin instead of one per row — and one per run
		// of equal steps, since a tree has a few leaves while a pair's
		// grid has thousands of cells (the exps were most of a small
		// data set's pair stage).
		prev, ev := math.NaN(), 1.0
		for k := range n {
			if s := step[k]; s != prev {
				prev, ev = s, math.Exp(-s)
			}
			expStep[k] = ev
		}
		nn := terms[next].n
		if !b.weighted {
			stepRows(e, yf, fitBins[t], fitBins[next], expStep, GH, GH2, nn)
		} else {
			stepRowsWeighted(e, yf, wf, fitBins[t], fitBins[next], expStep, GH, nn)
		}
		for k := range nn {
			G[k], H[k] = GH[k][0], GH[k][1]
		}
		addSteps(sv, validBins[t], step)
	}
	if len(b.split.valid) == 0 {
		return round >= p.maxRounds
	}
	loss := logLoss(sv, b.yv, b.wv)
	if loss < b.bestLoss-p.tol {
		b.bestLoss, b.bestRound = loss, round
		for t := range shapes {
			copy(b.best[t], shapes[t])
		}
	} else if round-b.bestRound >= p.patience {
		return true
	}
	return round >= p.maxRounds
}

// stepRows is the row loop of a step: it moves every fit row's e by the
// step of its bin in cur and sums the gradient and hessian at the new
// probabilities into GH by the row's bin in next, the term stepped next (nn
// bins). It is a function of its own so that the compiler keeps the loop's
// slices and index in registers, which it does not inside advance.
func stepRows(e, yf []float64, cur, next []uint16, expStep *[1 << 16]float64, GH, GH2 *[1 << 16][2]float64, nn int) {
	// The usual unweighted case, without the loads and products of unit
	// weights: this loop is most of training's time. Even and odd rows go
	// to two histograms, summed after: rows in the same bin then need not
	// wait on each other.
	nf := len(e)
	yf, cur, next = yf[:nf], cur[:nf], next[:nf]
	clear(GH[:nn])
	clear(GH2[:nn])
	i := 0
	for ; i+1 < nf; i += 2 {
		e0 := e[i] * expStep[cur[i]]
		e1 := e[i+1] * expStep[cur[i+1]]
		e[i], e[i+1] = e0, e1
		p0 := 1 / (1 + e0)
		p1 := 1 / (1 + e1)
		g0 := &GH[next[i]]
		g1 := &GH2[next[i+1]]
		g0[0] += p0 - yf[i]
		g0[1] += p0 * (1 - p0)
		g1[0] += p1 - yf[i+1]
		g1[1] += p1 * (1 - p1)
	}
	for ; i < nf; i++ {
		ei := e[i] * expStep[cur[i]]
		e[i] = ei
		pr := 1 / (1 + ei)
		gh := &GH[next[i]]
		gh[0] += pr - yf[i]
		gh[1] += pr * (1 - pr)
	}
	for k := range nn {
		GH[k][0] += GH2[k][0]
		GH[k][1] += GH2[k][1]
	}
}

// stepRowsWeighted is stepRows for weighted rows (weights wf).
func stepRowsWeighted(e, yf, wf []float64, cur, next []uint16, expStep *[1 << 16]float64, GH *[1 << 16][2]float64, nn int) {
	nf := len(e)
	yf, wf, cur, next = yf[:nf], wf[:nf], cur[:nf], next[:nf]
	clear(GH[:nn])
	for i := range nf {
		ei := e[i] * expStep[cur[i]]
		e[i] = ei
		pr := 1 / (1 + ei)
		gh := &GH[next[i]]
		gh[0] += wf[i] * (pr - yf[i])
		gh[1] += wf[i] * pr * (1 - pr)
	}
}

// addSteps adds to each validation row's ln(odds) in sv the step of its
// bin. Like stepRows, a function of its own to keep its loop in registers.
func addSteps(sv []float64, bins []uint16, step []float64) {
	bins = bins[:len(sv)]
	for i, k := range bins {
		sv[i] += step[k]
	}
}

// result is what the bag learned once advance has reported the end.
func (b *booster) result() boostResult {
	// best holds the shapes of the best round: all zeros when no round beat
	// the starting point, so a bag that could only overfit adds nothing.
	// Without validation rows there is nothing to stop on: keep the last.
	best, bestRound := b.best, b.bestRound
	if len(b.split.valid) == 0 {
		best, bestRound = b.shapes, b.rounds
	}
	// The bag's validation predictions at the kept round.
	vl := gather(b.start, b.split.valid)
	for t := range b.terms {
		for i, k := range b.validBins[t] {
			vl[i] += best[t][k]
		}
	}
	return boostResult{shapes: best, rounds: bestRound, validLogit: vl}
}

// logLoss is the weighted mean negative log-likelihood of ln(odds) s.
func logLoss(s, y, w []float64) float64 {
	var sum, sw float64
	for i, z := range s {
		// −log p(y|z) = log(1+e^z) − y·z, computed without overflow.
		var l float64
		if z > 0 {
			l = z + math.Log1p(math.Exp(-z))
		} else {
			l = math.Log1p(math.Exp(z))
		}
		l -= y[i] * z
		sum += w[i] * l
		sw += w[i]
	}
	if sw == 0 {
		return 0
	}
	return sum / sw
}

func gather(x []float64, rows []int32) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = x[r]
	}
	return out
}

func gather16(x []uint16, rows []int32) []uint16 {
	out := make([]uint16, len(rows))
	for i, r := range rows {
		out[i] = x[r]
	}
	return out
}

// gatherWeights is gather with nil meaning all ones.
func gatherWeights(w []float64, rows []int32) []float64 {
	if w == nil {
		out := make([]float64, len(rows))
		for i := range out {
			out[i] = 1
		}
		return out
	}
	return gather(w, rows)
}
