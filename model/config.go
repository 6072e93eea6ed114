package model

import "runtime"

// Config holds the hyper-parameters of training. The zero value of a field
// means "the default" (see withDefaults); the filled-in config is stored in
// the artifact so that a model says how it was made.
type Config struct {
	Kind string `json:"kind"`
	// Binning.
	MaxBins          int     `json:"max_bins"`           // main-effect bins per numeric feature
	MaxPairBins      int     `json:"max_pair_bins"`      // bins per axis of a pair term
	MinCategoryCount float64 `json:"min_category_count"` // rows a level needs for a bin of its own
	// Specials lists sentinel values per feature, each given its own bin, on
	// top of the ones detected (codes such as 96 or 98 far beyond the data).
	Specials map[string][]float64 `json:"specials,omitempty"`

	// Boosting (additive kind).
	LearningRate float64 `json:"learning_rate"`
	MaxLeaves    int     `json:"max_leaves"`     // leaves of each per-feature tree
	MinLeafCount float64 `json:"min_leaf_count"` // rows a leaf needs
	// MinLeafShare is the share of rows a main effect's leaf needs (on top
	// of MinLeafCount). Without it a rare value — 54 of Taiwan's 30,000
	// people have MARRIAGE 0 — can earn an extreme bin of its own, which
	// then becomes everyone else's "best attainable" and tops their reasons.
	// Pairs keep MinLeafCount: their cells are small by nature.
	MinLeafShare           float64 `json:"min_leaf_share"`
	L2                     float64 `json:"l2"` // added to each leaf's hessian
	MaxRounds              int     `json:"max_rounds"`
	EarlyStoppingRounds    int     `json:"early_stopping_rounds"`
	EarlyStoppingTolerance float64 `json:"early_stopping_tolerance"`
	Bags                   int     `json:"bags"`
	ValidationShare        float64 `json:"validation_share"`
	// HoldOut is the share of rows set aside before training to measure
	// the model honestly (DefaultHoldOut when 0; negative: none, and the
	// bags' out-of-bag figures are reported instead).
	HoldOut float64 `json:"hold_out"`
	// Interactions is the number of pair terms; −1 picks them automatically.
	Interactions int `json:"interactions"`
	// Monotone maps a feature to +1 (points never fall as it rises) or −1.
	Monotone map[string]int `json:"monotone,omitempty"`
	// Allow lists the sensitive attributes (FeatureInfo.Sensitive) the
	// operator opted in as model inputs; every other sensitive feature is
	// left out of training. It is stored in the artifact.
	Allow []string `json:"allow,omitempty"`
	// AuditCutoffs, when set, makes Train audit the model's fairness on its
	// training rows at these product cutoffs (Model.Audit), for every
	// protected column and the age band 62+ from AgeColumn.
	AuditCutoffs []Cutoff `json:"audit_cutoffs,omitempty"`
	AgeColumn    string   `json:"age_column,omitempty"`
	// MonotoneAuto constrains every numeric feature whose learned shape
	// already has a clear trend, in that trend's direction.
	MonotoneAuto bool `json:"monotone_auto,omitempty"`

	Seed    uint64  `json:"seed"`
	Scaling Scaling `json:"-"` // stored as Model.Scaling

	// Catalogue gives features their dimension, description and reason text.
	Catalogue Catalogue `json:"-"`
	// Progress, if set, is told how training advances (from any goroutine,
	// one call at a time).
	Progress func(Progress) `json:"-"`
	// Parallelism bounds the goroutines used; it never changes the result.
	Parallelism int `json:"-"`
}

// Progress reports one step of training.
type Progress struct {
	Stage string // "bins", "mains", "pairs", "scorecard"
	Done  int
	Total int
}

// withDefaults fills zero fields. The defaults were chosen by repeated
// evaluation (five stratified splits of each of five public data sets, see
// docs/model.md): outer bags and InterpretML's bin counts (1024 for main
// effects, 64 per pair axis) are what moved test AUC; a smaller learning
// rate or longer patience, for main effects or pairs, cost time without
// moving it.
func (c Config) withDefaults() Config {
	if c.Kind == "" {
		c.Kind = KindAdditive
	}
	if c.MaxBins == 0 {
		c.MaxBins = 1024
	}
	if c.MaxPairBins == 0 {
		c.MaxPairBins = 64
	}
	if c.MinCategoryCount == 0 {
		c.MinCategoryCount = 10
	}
	if c.LearningRate == 0 {
		c.LearningRate = 0.2
	}
	if c.MaxLeaves == 0 {
		c.MaxLeaves = 3
	}
	if c.MinLeafCount == 0 {
		c.MinLeafCount = 4
	}
	if c.MinLeafShare == 0 {
		c.MinLeafShare = 0.005
	}
	if c.L2 == 0 {
		c.L2 = 1
	}
	if c.MaxRounds == 0 {
		c.MaxRounds = 3000
	}
	if c.EarlyStoppingRounds == 0 {
		c.EarlyStoppingRounds = 20
	}
	if c.EarlyStoppingTolerance == 0 {
		c.EarlyStoppingTolerance = 1e-5
	}
	if c.Bags == 0 {
		c.Bags = 8
	}
	if c.HoldOut == 0 {
		c.HoldOut = DefaultHoldOut
	}
	if c.ValidationShare == 0 {
		c.ValidationShare = 0.15
	}
	if c.Scaling == (Scaling{}) {
		c.Scaling = DefaultScaling()
	}
	if c.Parallelism <= 0 {
		c.Parallelism = runtime.NumCPU()
	}
	return c
}
