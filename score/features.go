package score

import (
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
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
	v, missing := p.P.Profile(events, asOf)
	return Profile{Values: v, Missing: missing}
}

func (p FeatureProfiler) Tips(name string, current float64) []TipTarget {
	var out []TipTarget
	for _, t := range feature.Tips(name, current) {
		out = append(out, TipTarget{Value: t.Value, Action: t.Action})
	}
	return out
}
