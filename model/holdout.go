package model

import (
	"math"
	"math/rand/v2"
	"sort"
)

// DefaultHoldOut is the share of rows Train sets aside, stratified by the
// label, before anything else: binning, main effects, pair screening and
// gating, early stopping and calibration see only the other rows, so the
// figures measured on the held-out ones (Metrics.Validation) are an
// unbiased estimate of how the model does on people it has never seen.
const DefaultHoldOut = 0.15

// holdOutStream is the random stream of the hold-out split; bags use
// streams 1, 2, … (splitBag), so the two never coincide.
const holdOutStream = -1

// splitHoldOut splits d into the rows training may use and the held-out rows.
func splitHoldOut(d *Dataset, share float64, seed uint64) (fit, held *Dataset) {
	s := splitBag(d.Label, share, seed, holdOutStream)
	return d.subset(s.fit), d.subset(s.valid)
}

// subset returns the rows of d listed in rows, in that order.
func (d *Dataset) subset(rows []int32) *Dataset {
	out := *d
	out.Columns = make([]Column, len(d.Columns))
	for j, c := range d.Columns {
		nc := Column{Name: c.Name, Type: c.Type}
		if c.Num != nil {
			nc.Num = make([]float64, len(rows))
			for i, r := range rows {
				nc.Num[i] = c.Num[r]
			}
		}
		if c.Cat != nil {
			nc.Cat = make([]string, len(rows))
			for i, r := range rows {
				nc.Cat[i] = c.Cat[r]
			}
		}
		out.Columns[j] = nc
	}
	pick := func(x []float64) []float64 {
		if x == nil {
			return nil
		}
		o := make([]float64, len(rows))
		for i, r := range rows {
			o[i] = x[r]
		}
		return o
	}
	out.Label, out.Weight = pick(d.Label), pick(d.Weight)
	out.Protected = make(map[string][]string, len(d.Protected))
	for k, v := range d.Protected {
		o := make([]string, len(rows))
		for i, r := range rows {
			o[i] = v[r]
		}
		out.Protected[k] = o
	}
	return &out
}

// datasetLnOdds is the model's exact ln(odds of bad) for every row of d, a
// dataset with the model's feature columns.
func (m *Model) datasetLnOdds(d *Dataset) []float64 {
	cols := make([]*Column, len(m.Features))
	for j := range d.Columns {
		for i := range m.Features {
			if m.Features[i].Name == d.Columns[j].Name {
				cols[i] = &d.Columns[j]
			}
		}
	}
	z := make([]float64, d.Rows())
	x := make(Vector, len(m.Features))
	for r := range z {
		for i, c := range cols {
			switch {
			case c == nil:
				x[i] = math.NaN()
			case c.Type == numeric:
				x[i] = c.Num[r]
			case c.Cat[r] == "":
				x[i] = math.NaN()
			default:
				x[i] = m.levelCode(i, c.Cat[r])
			}
		}
		z[r] = m.LnOdds(x)
	}
	return z
}

// LnOdds is the record's exact ln(odds of bad): the intercept plus every
// term's value, before points are rounded.
func (m *Model) LnOdds(x Vector) float64 {
	z := m.Intercept
	for i := range m.Features {
		f := &m.Features[i]
		z += f.Bins[f.Bin(x[i])].Logit
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		a, b := in.cell(x)
		z += in.Logits[a][b]
	}
	return z
}

// ECE is the expected calibration error of a calibration table: the mean,
// weighted by rows, of |predicted − observed| bad rate over its groups.
func ECE(rows []CalibrationRow) float64 {
	var s, n float64
	for _, r := range rows {
		s += float64(r.Rows) * math.Abs(r.Predicted-r.Observed)
		n += float64(r.Rows)
	}
	if n == 0 {
		return 0
	}
	return round6(s / n)
}

// plattScale fits p = σ(a + b·z) to out-of-bag ln(odds) z and labels y by
// Newton's method (weighted log-loss, a whisper of ridge towards a = 0,
// b = 1). Applied to every term and the intercept it recalibrates the model
// without changing its ranking (b > 0) or its glass-box form.
func plattScale(z, y, w []float64) (a, b float64) {
	a, b = 0, 1
	const ridge = 1e-6
	for range 50 {
		var ga, gb, haa, hab, hbb float64
		for i, zi := range z {
			wi := weightAt(w, i)
			p := logistic(a + b*zi)
			g, h := wi*(p-y[i]), wi*p*(1-p)
			ga += g
			gb += g * zi
			haa += h
			hab += h * zi
			hbb += h * zi * zi
		}
		ga += ridge * a
		gb += ridge * (b - 1)
		haa += ridge
		hbb += ridge
		det := haa*hbb - hab*hab
		if det <= 0 {
			return 0, 1
		}
		da := (hbb*ga - hab*gb) / det
		db := (haa*gb - hab*ga) / det
		a -= da
		b -= db
		if math.Abs(da)+math.Abs(db) < 1e-10 {
			break
		}
	}
	if b <= 0 || math.IsNaN(a) || math.IsNaN(b) {
		return 0, 1 // out-of-bag data that cannot rank: leave the model as it is
	}
	return a, b
}

// BootstrapResamples is how many resamples of the held-out rows give the
// confidence intervals of the held-out figures.
const BootstrapResamples = 200

// bootstrapIntervals resamples the held-out rows (with replacement, a
// stream of the seed) and takes the 2.5th and 97.5th percentiles of each
// figure: 95% intervals for the estimate's sampling noise.
func bootstrapIntervals(p, y []float64, seed uint64) *Intervals {
	n := len(p)
	if n == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0xb007))
	auc, ks, brier, ece := make([]float64, 0, BootstrapResamples), make([]float64, 0, BootstrapResamples),
		make([]float64, 0, BootstrapResamples), make([]float64, 0, BootstrapResamples)
	bp, by := make([]float64, n), make([]float64, n)
	for range BootstrapResamples {
		for i := range bp {
			r := rng.IntN(n)
			bp[i], by[i] = p[r], y[r]
		}
		s := Summarise(bp, by, nil)
		if math.IsNaN(s.AUC) {
			continue // a resample with one class only
		}
		auc, ks, brier = append(auc, s.AUC), append(ks, s.KS), append(brier, s.Brier)
		ece = append(ece, ECE(Calibration(bp, by, 10)))
	}
	if len(auc) == 0 {
		return nil
	}
	ci := func(x []float64) [2]float64 {
		sort.Float64s(x)
		lo, hi := int(0.025*float64(len(x))), int(math.Ceil(0.975*float64(len(x))))-1
		return [2]float64{round6(x[lo]), round6(x[max(hi, lo)])}
	}
	return &Intervals{Resamples: len(auc), AUC: ci(auc), KS: ci(ks), Brier: ci(brier), ECE: ci(ece)}
}
