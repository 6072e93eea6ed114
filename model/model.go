// Package model is Sesame's scoring model engine: it bins features, trains a
// generalised additive model (the Explainable Boosting Machine method, with
// optional pairwise terms and monotone constraints) or a classic WOE
// scorecard, scales it to points, scores records with exact reasons, and
// evaluates it. It does no I/O: callers hand it tables and writers.
//
// The model is a glass box by construction: a score is the sum of one
// integer points value per term (a feature, or a pair of features), each read
// from a table of bins. Reasons and what-ifs are exact because they are
// differences of table entries, not approximations.
package model

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// Schema names the artifact format; a reader refuses any other value.
const Schema = "sesame.model/v1"

// Model kinds.
const (
	KindAdditive  = "additive"  // EBM-style boosted GAM, optionally with pairs
	KindScorecard = "scorecard" // WOE binning + logistic regression
)

// Model is a trained, scaled scoring model: the JSON artifact itself. Build
// one with Train or Read; after that it is safe for concurrent scoring.
// Callers may change feature descriptions and dimensions (Describe) but not
// bins or points, which would break the model's fingerprint and metrics.
type Model struct {
	Schema       string        `json:"schema"`
	Kind         string        `json:"kind"`
	Features     []Feature     `json:"features"`
	Interactions []Interaction `json:"interactions"`
	// Intercept is ln(odds of bad) for a record whose every term contributes 0;
	// the terms are centred so that their mean contribution on the training
	// data is 0.
	Intercept float64     `json:"intercept"`
	Scaling   Scaling     `json:"scaling"`
	Training  Fingerprint `json:"training"`
	Params    Config      `json:"hyper_parameters"`
	Metrics   Metrics     `json:"metrics"`
	// Medians anchor the dimension scores (see Medians); nil in artifacts
	// from before them.
	Medians *Medians `json:"medians,omitempty"`
	// ScoreBaseline is the training population's score deciles, against
	// which drift (PSI) is measured; the features' bin counts are theirs.
	ScoreBaseline *ScoreBaseline `json:"score_baseline,omitempty"`
	// Audit is the fairness audit taken at training (see Audit); nil when
	// no protected column was given.
	Audit *Audit `json:"audit,omitempty"`
	// Free lists the features trained without a direction, and why.
	Free []FreeFeature `json:"free_features,omitempty"`

	index  map[string]int   // feature name → position in Features
	levels []map[string]int // per categorical feature: level → code
	best   []int            // per term: the best attainable points
	// pairRef is each pair's reference cell (pairReference).
	pairRef [][2]int
}

// Feature is one model input with its main-effect bins and points.
type Feature struct {
	Name        string `json:"name"`
	Dimension   string `json:"dimension"`
	Description string `json:"description,omitempty"`
	// Reason is the text shown when this feature costs a person points; it
	// may contain %s, replaced by the bin's label.
	Reason string `json:"reason,omitempty"`
	// Monotone: +1 means points never fall as the value rises, −1 never rise,
	// 0 unconstrained. Missing and special-value bins are exempt.
	Monotone int `json:"monotone,omitempty"`
	// NeutralMissing says that a missing value tells nothing about the
	// person — opt-in signals such as vouches, whose absence is no evidence
	// either way. Its bin is anchored at the average person's points (logit
	// 0, see centre), it never gives a reason, and the feature takes part in
	// no pair (a pair could make absence count after all).
	NeutralMissing bool `json:"neutral_missing,omitempty"`
	// NoReason: the feature never appears among a record's reasons — a
	// sensitive attribute the operator allowed as an input (its points
	// still count, and still add up in FeatureLosses).
	NoReason bool `json:"no_reason,omitempty"`
	// NoPenaltyFrom: from this value on, the feature never gives fewer
	// points than at any lower value (0: no such rule).
	NoPenaltyFrom float64 `json:"no_penalty_from,omitempty"`
	Binning
	Bins []Bin `json:"bins"`
}

// Binning maps a value to a bin index. Numeric bins come first, in order
// (bin k holds Cuts[k-1] <= x < Cuts[k]), then one bin per special value,
// then the missing bin. Categorical bins are one per level, then "other"
// (rare or unseen levels), then missing. A categorical value travels in a
// Vector as its level's code (index in Levels), −1 for other, NaN for missing.
type Binning struct {
	Type     string    `json:"type"` // numeric | categorical
	Cuts     []float64 `json:"cuts,omitempty"`
	Specials []float64 `json:"specials,omitempty"`
	Levels   []string  `json:"levels,omitempty"`
}

// Bin is one row of a feature's points table.
type Bin struct {
	Label  string  `json:"label"`
	Logit  float64 `json:"logit"`  // contribution to ln(odds of bad)
	Points int     `json:"points"` // contribution to the score
	Count  float64 `json:"count"`  // training rows (weighted)
	Bads   float64 `json:"bads"`   // of which bad
}

// Interaction is a pairwise term: a small 2-D table of points over coarse
// bins of two features. It is explained as a term of its own ("A × B").
type Interaction struct {
	Name     string      `json:"name"`
	Features [2]string   `json:"features"`
	Axes     [2]Binning  `json:"axes"`
	Labels   [2][]string `json:"labels"`
	Logits   [][]float64 `json:"logits"` // [bin of A][bin of B]
	Points   [][]int     `json:"points"`
	Counts   [][]float64 `json:"counts"`
	index    [2]int      // positions of the two features in Model.Features
}

// FreeFeature is a feature whose shape training left unconstrained.
type FreeFeature struct {
	Name string `json:"name"`
	Why  string `json:"why"`
}

// Scaling turns ln(odds) into points: score = Offset + Factor × ln(good:bad odds),
// Factor = PDO / ln 2, Offset = AnchorScore − Factor × ln(AnchorOdds). The
// offset and the intercept are spread evenly over all terms, so the score is
// exactly the sum of the terms' points (then clamped to [Min, Max]).
type Scaling struct {
	AnchorScore float64 `json:"anchor_score"`
	AnchorOdds  float64 `json:"anchor_odds"` // good:bad
	PDO         float64 `json:"pdo"`         // points to double the odds
	Min         int     `json:"min"`
	Max         int     `json:"max"`
	Factor      float64 `json:"factor"`
	Offset      float64 `json:"offset"`
}

// DefaultScaling anchors 600 points at good:bad odds of 30:1 with 40 points to
// double the odds, clamped to Sesame's 350–950 range.
func DefaultScaling() Scaling {
	return Scaling{AnchorScore: 600, AnchorOdds: 30, PDO: 40, Min: 350, Max: 950}
}

// Fingerprint says which data a model was trained on.
type Fingerprint struct {
	SHA256    string   `json:"sha256"`
	Rows      int      `json:"rows"`
	BadRate   float64  `json:"bad_rate"`
	Label     string   `json:"label"`
	Bad       string   `json:"bad,omitempty"`
	Weight    string   `json:"weight,omitempty"`
	Excluded  []string `json:"excluded,omitempty"`
	Protected []string `json:"protected,omitempty"`
	Dropped   []string `json:"dropped,omitempty"` // unusable columns, with why
	// Withheld are sensitive columns left out because the operator did not
	// allow their attribute (Config.Allow).
	Withheld []string `json:"withheld,omitempty"`
	// From and To date the data (the period its rows describe), and Use
	// says what the model is for; all three are the operator's word
	// (model train --data-from, --data-to, --intended-use), for the card.
	From string `json:"data_from,omitempty"`
	To   string `json:"data_to,omitempty"`
	Use  string `json:"intended_use,omitempty"`
	// HeldOut is how many of Rows were set aside to measure the model
	// (Metrics.Validation) and never trained on.
	HeldOut int `json:"held_out,omitempty"`
}

// Metrics are measured at training time: in-sample, and on the rows held
// out before training (Config.HoldOut), which no choice of training saw —
// binning, screening, gating, early stopping, calibration — so they are an
// unbiased estimate on people the model has never seen. With no hold-out
// they fall back to the bags' out-of-bag rows, which are optimistic.
type Metrics struct {
	Train      Summary `json:"train"`
	Validation Summary `json:"validation"`
	// Calibration of the held-out predictions: deciles of predicted risk
	// against the observed bad rate, and their expected calibration error.
	Calibration []CalibrationRow `json:"calibration,omitempty"`
	ECE         float64          `json:"ece"`
	// Intervals are 95% bootstrap confidence intervals of the held-out
	// figures (nil without a hold-out).
	Intervals *Intervals `json:"intervals,omitempty"`
	// Recalibration is the shift and slope fit on the bags' out-of-bag
	// predictions and applied to every term (additive kind).
	Recalibration *Recalibration `json:"recalibration,omitempty"`
	Rounds        []int          `json:"rounds,omitempty"` // boosting rounds kept, per bag
}

// Intervals are 95% confidence intervals, [low, high].
type Intervals struct {
	Resamples int        `json:"resamples"`
	AUC       [2]float64 `json:"auc"`
	KS        [2]float64 `json:"ks"`
	Brier     [2]float64 `json:"brier"`
	ECE       [2]float64 `json:"ece"`
}

// Recalibration maps the boosted ln(odds) z to Shift + Slope·z.
type Recalibration struct {
	Shift float64 `json:"shift"`
	Slope float64 `json:"slope"`
}

// Summary is the headline of an evaluation.
type Summary struct {
	Rows    int     `json:"rows"`
	BadRate float64 `json:"bad_rate"`
	AUC     float64 `json:"auc"`
	Gini    float64 `json:"gini"`
	KS      float64 `json:"ks"`
	Brier   float64 `json:"brier"`
	LogLoss float64 `json:"logloss"`
}

// Write encodes the model as indented JSON. The encoding is deterministic:
// the same model always gives the same bytes.
func (m *Model) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// Read decodes and checks a model artifact.
func Read(r io.Reader) (*Model, error) {
	var m Model
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("model artifact: %w", err)
	}
	if m.Schema != Schema {
		return nil, fmt.Errorf("model artifact: schema %q, want %q", m.Schema, Schema)
	}
	if err := m.prepare(); err != nil {
		return nil, fmt.Errorf("model artifact: %w", err)
	}
	return &m, nil
}

// prepare builds the lookup indexes and checks that every table has the
// shape its binning implies, so that scoring never indexes out of range.
func (m *Model) prepare() error {
	m.index = make(map[string]int, len(m.Features))
	m.levels = make([]map[string]int, len(m.Features))
	for i := range m.Features {
		f := &m.Features[i]
		if _, dup := m.index[f.Name]; dup {
			return fmt.Errorf("feature %q appears twice", f.Name)
		}
		m.index[f.Name] = i
		if f.Type != numeric && f.Type != categorical {
			return fmt.Errorf("feature %q: unknown type %q", f.Name, f.Type)
		}
		if len(f.Bins) != f.NumBins() {
			return fmt.Errorf("feature %q: %d bins, binning implies %d", f.Name, len(f.Bins), f.NumBins())
		}
		if f.Type == categorical {
			m.levels[i] = make(map[string]int, len(f.Levels))
			for k, l := range f.Levels {
				m.levels[i][l] = k
			}
		}
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		for s := 0; s < 2; s++ {
			j, ok := m.index[in.Features[s]]
			if !ok {
				return fmt.Errorf("interaction %q: unknown feature %q", in.Name, in.Features[s])
			}
			in.index[s] = j
			if in.Axes[s].Type != m.Features[j].Type {
				return fmt.Errorf("interaction %q: axis %d type differs from its feature", in.Name, s)
			}
		}
		na, nb := in.Axes[0].NumBins(), in.Axes[1].NumBins()
		if len(in.Points) != na || len(in.Logits) != na || len(in.Counts) != na {
			return fmt.Errorf("interaction %q: %d rows of points, want %d", in.Name, len(in.Points), na)
		}
		for a := range na {
			if len(in.Points[a]) != nb || len(in.Logits[a]) != nb || len(in.Counts[a]) != nb {
				return fmt.Errorf("interaction %q: a row of %d points, want %d", in.Name, len(in.Points[a]), nb)
			}
		}
	}
	m.pairRef = make([][2]int, len(m.Interactions))
	for p := range m.Interactions {
		m.pairRef[p] = m.pairReference(p)
	}
	m.best = make([]int, m.NumTerms())
	for t := range m.best {
		m.best[t] = m.bestPoints(t)
	}
	return nil
}

// NumTerms is the number of additive terms: features, then interactions.
func (m *Model) NumTerms() int { return len(m.Features) + len(m.Interactions) }

// TermName names term t (a feature, or "A × B" for a pair).
func (m *Model) TermName(t int) string {
	if t < len(m.Features) {
		return m.Features[t].Name
	}
	return m.Interactions[t-len(m.Features)].Name
}

// Feature returns the position of the named feature, or −1.
func (m *Model) Feature(name string) int {
	if i, ok := m.index[name]; ok {
		return i
	}
	return -1
}

func logistic(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
