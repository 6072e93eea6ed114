package score

import (
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
)

// DefaultMinHistory is how long before the as-of time a person's first
// event must lie for a score; less is "not enough history".
const DefaultMinHistory = 90 * 24 * time.Hour

// FeatureProfiler is the Profiler of the platform: the feature catalogue,
// the same code that builds training sets.
type FeatureProfiler struct{ P *feature.Profiler }

// NewFeatureProfiler returns the catalogue's profiler requiring minHistory.
func NewFeatureProfiler(minHistory time.Duration) FeatureProfiler {
	return FeatureProfiler{P: &feature.Profiler{MinHistory: minHistory}}
}

func (p FeatureProfiler) Names() []string { return p.P.Names() }

func (p FeatureProfiler) Profile(events []sesame.Event, asOf time.Time) Profile {
	v, missing, dataAsOf := p.P.Profile(events, asOf)
	return Profile{Values: v, Missing: missing, DataAsOf: dataAsOf}
}

// Tips returns the catalogue's tips; the profile order is the catalogue's,
// so i is the catalogue position.
func (p FeatureProfiler) Tips(i int, current float64) []TipTarget { return feature.TipsAt(i, current) }

// ModelCatalogue is the feature catalogue in the form the model trainer
// takes (model.Config.Catalogue, Model.Describe): each feature's dimension,
// description, reason text, whether its absence is neutral, its declared
// direction (enforced in training), whether it may pair, and the sensitive
// attribute it reveals, so that a model trained on a `dataset build` file
// carries the right dimensions and readable reasons, says nothing of
// opt-in signals a person never gave, and treats protected facts with care.
func ModelCatalogue() model.Catalogue {
	c := model.Catalogue{}
	for _, d := range feature.Catalogue() {
		info := model.FeatureInfo{Dimension: string(d.Dimension), Description: d.Description, Reason: d.Reason,
			NeutralMissing: d.NeutralWhenMissing(), NoPairs: d.NoPairs(), Direction: int(d.Direction), Free: d.Free(),
			Sensitive: d.Sensitive()}
		if info.Sensitive == "age" {
			info.NoPenaltyFrom = feature.ElderAge
		}
		c[d.Name] = info
	}
	return c
}
